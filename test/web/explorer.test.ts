import path from "node:path";
import { launchBrowser, type TestBrowser } from "../support/browser";
import { startTestServer, type TestServer } from "../support/testServer";

let server: TestServer;
let browser: TestBrowser;
beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

it("opens the offline explorer at /graphql, runs { health { status } } and shows the answer, all from 127.0.0.1", async () => {
  const { page, context } = await browser.newPage();
  const requested: string[] = [];
  page.on("request", (request) => requested.push(request.url()));
  const introspected = page.waitForResponse(
    (response) => response.request().postData()?.includes("IntrospectionQuery") ?? false,
  );
  await page.goto(server.graphqlUrl);
  await page.locator(".graphiql-container").waitFor();
  // GraphiQL loaded the schema with the standard introspection query, past the query limits.
  const schema = (await (await introspected).json()) as {
    data?: { __schema?: { queryType: { name: string } } };
  };
  expect(schema.data?.__schema?.queryType.name).toBe("Query");
  await page.getByLabel("API key").fill(server.keys.viewer);
  await page.locator(".graphiql-query-editor .CodeMirror").waitFor();
  await page.evaluate(() => {
    const editor = document.querySelector(".graphiql-query-editor .CodeMirror") as unknown as {
      CodeMirror: { setValue(text: string): void };
    };
    editor.CodeMirror.setValue("{ health { status } }");
  });
  await page.locator(".graphiql-execute-button").click();
  const response = page.locator(".graphiql-response");
  await response.getByText('"ok"').waitFor();
  expect(await response.innerText()).toMatch(/"status":\s*"ok"/);
  expect(requested.every((url) => url.startsWith(server.url))).toBe(true);
  await page.screenshot({ path: path.resolve(__dirname, "../../docs/screenshots/explorer.png") });
  expect(browser.outsideRequests).toEqual([]);
  expect(browser.pageErrors).toEqual([]);
  await context.close();
});

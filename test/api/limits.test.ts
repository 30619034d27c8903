import { startTestServer, type TestServer } from "../support/testServer";

let server: TestServer;
let datasetId: string;
beforeAll(async () => {
  server = await startTestServer({ LOGOLAB_INTROSPECTION: "false" });
  datasetId = (
    await server.registry.datasets.register({
      name: "d",
      format: "IMAGE_FOLDER",
      status: "READY",
      rootPath: "/tmp/d",
    })
  ).id;
});
afterAll(async () => {
  await server?.stop();
});

function deepQuery(depth: number): string {
  // experiment → dataset has no way back, so nest through runs → experiment → runs …
  let selection = "id";
  let levels = 1;
  while (levels < depth) {
    selection =
      levels % 2 === 1 ? `experiment { ${selection} }` : `runs(first: 1) { nodes { ${selection} } }`;
    levels += levels % 2 === 1 ? 1 : 2;
  }
  return `{ runs(first: 1) { nodes { ${selection} } } }`;
}

describe("query limits", () => {
  it("rejects a 40-deep query with BAD_USER_INPUT before running it", async () => {
    const res = await server.gql(deepQuery(40), {}, server.keys.viewer);
    expect(res.data).toBeUndefined();
    expect(res.errors?.[0].message).toMatch(/^query depth \d+ exceeds the limit of 12$/);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "depth" });
  });

  it("rejects a query whose estimated cost is too high", async () => {
    const query = `{ experiments(first: 100) { nodes { runs(first: 100) { nodes { epochs { epoch } } } } } }`;
    const res = await server.gql(query, {}, server.keys.viewer);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "cost" });
  });

  it("rejects too many aliases", async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `h${i}: health { status }`).join(" ");
    const res = await server.gql(`{ ${aliases} }`);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "aliases" });
  });

  it("rejects a 5 MB body with HTTP 413 and BAD_USER_INPUT, writing nothing", async () => {
    const description = "x".repeat(5 * 1024 * 1024);
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${server.keys.engineer}` },
      body: JSON.stringify({
        query: `mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }`,
        variables: { input: { name: "huge", datasetId, description } },
      }),
    });
    expect(response.status).toBe(413);
    const body = await response.json();
    expect(body.errors[0]).toMatchObject({
      message: "request body exceeds the limit of 4194304 bytes",
      extensions: { code: "BAD_USER_INPUT" },
    });
    expect(await server.db.database.prisma.experiment.count()).toBe(0);
  });

  it("answers malformed JSON with 400 and a GraphQL-shaped error", async () => {
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{ not json",
    });
    expect(response.status).toBe(400);
    expect((await response.json()).errors[0].extensions.code).toBe("BAD_REQUEST");
  });

  it("refuses introspection when it is disabled by config", async () => {
    const res = await server.gql("{ __schema { queryType { name } } }", {}, server.keys.viewer);
    expect(res.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(res.errors?.[0].message).toMatch(/introspection/i);
  });

  it("still serves ordinary requests after all of the above", async () => {
    expect((await server.gql("{ health { status } }")).data).toEqual({ health: { status: "ok" } });
  });
});

import WebSocket from "ws";
import { startTestServer, type TestServer } from "../support/testServer";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function postRaw(body: string, headers: Record<string, string> = {}) {
  const response = await fetch(server.graphqlUrl, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `Bearer ${server.keys.viewer}`,
      ...headers,
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

const NO_STACK = /stacktrace|\bat .+:\d+:\d+|\/src\/|node_modules/;

/** A fragment chain `F0 → F1 → … → F{n-1}`, each adding two levels (runs → nodes). */
function fragmentChain(levels: number): string {
  const fragments = Array.from({ length: levels }, (_, i) =>
    i === levels - 1
      ? `fragment F${i} on Run { id }`
      : `fragment F${i} on Run { experiment { runs(first: 1) { nodes { ...F${i + 1} } } } }`,
  );
  return `{ runs(first: 1) { nodes { ...F0 } } } ${fragments.join(" ")}`;
}

describe("query attacks (limits: depth 12, cost 5000, 30 aliases)", () => {
  it("counts depth through fragment spreads", async () => {
    const res = await server.gql(fragmentChain(8), {}, server.keys.viewer);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "depth" });
  });

  it("counts aliases hidden in a fragment spread many times", async () => {
    const aliases = Array.from({ length: 5 }, (_, i) => `a${i}: __typename`).join(" ");
    const spreads = Array.from({ length: 10 }, (_, i) => `s${i}: health { ...H }`).join(" ");
    const res = await server.gql(`{ ${spreads} } fragment H on Health { ${aliases} }`);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "aliases" });
  });

  it("counts cost through fragments and list sizes given as variables", async () => {
    const query = `query($n: Int) { experiments(first: $n) { nodes { ...E } } }
      fragment E on Experiment { runs(first: 100) { nodes { epochs { epoch } runs: experiment { id } } } }`;
    const res = await server.gql(query, { n: 100 }, server.keys.viewer);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "cost" });
  });

  it("refuses 6,000 repeated fields (no aliases, no nesting) by cost", async () => {
    const res = await server.gql(`{ health { ${"status ".repeat(6000)} } }`);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "cost" });
  });

  it("refuses fragment cycles without hanging", async () => {
    const res = await server.gql(
      `{ health { ...A } } fragment A on Health { ...B } fragment B on Health { ...A }`,
    );
    expect(res.errors?.[0].extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("refuses batched operations (a JSON array) and runs none of them", async () => {
    const batch = Array.from({ length: 50 }, () => ({
      query: 'mutation { createApiKey(input: { name: "b", role: ADMIN }) { secret } }',
    }));
    const res = await postRaw(JSON.stringify(batch), { authorization: `Bearer ${server.keys.admin}` });
    expect(res.status).toBe(400);
    expect(res.text).not.toMatch(NO_STACK);
    const keys = await server.db.database.prisma.apiKey.count({ where: { name: "b" } });
    expect(keys).toBe(0);
  });

  it("answers a 10,000-deep nesting of braces with a GraphQL error, not a crash", async () => {
    const bomb = `{ health ${"{ status ".repeat(10_000)}${"}".repeat(10_000)} }`;
    const res = await postRaw(JSON.stringify({ query: bomb }));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(JSON.parse(res.text).errors[0].extensions.code).toMatch(
      /GRAPHQL_PARSE_FAILED|BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/,
    );
  });

  it("refuses a query of a million tokens before validating it", async () => {
    const started = performance.now();
    const res = await postRaw(JSON.stringify({ query: `{ health { ${"__typename ".repeat(300_000)} } }` }));
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text).errors[0].extensions.code).toBe("GRAPHQL_PARSE_FAILED");
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("answers an over-long GET URL with an HTTP error, not a 500", async () => {
    const query = encodeURIComponent(`{ health { ${"status ".repeat(20_000)} } }`);
    const response = await fetch(`${server.graphqlUrl}?query=${query}`, {
      headers: { "apollo-require-preflight": "1" },
    });
    expect([400, 413, 414, 431]).toContain(response.status);
  });
});

describe("oversized websocket messages", () => {
  it("closes a socket that sends a message over LOGOLAB_MAX_BODY_BYTES (1009) and keeps serving", async () => {
    const socket = new WebSocket(server.graphqlUrl.replace(/^http/, "ws"), "graphql-transport-ws");
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    const closed = new Promise<number>((resolve) => socket.once("close", (code) => resolve(code)));
    socket.send(JSON.stringify({ type: "connection_init", payload: { pad: "x".repeat(5 * 1024 * 1024) } }));
    expect(await closed).toBe(1009);
    expect((await server.gql("{ health { status } }")).data).toEqual({ health: { status: "ok" } });
  });
});

describe("errors never leak internals", () => {
  it("answers a failing database statement as INTERNAL_SERVER_ERROR with nothing but a request id", async () => {
    const prisma = server.db.database.prisma;
    await prisma.$executeRawUnsafe(`ALTER TABLE "experiments" RENAME TO "experiments_hidden"`);
    try {
      const response = await fetch(server.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${server.keys.viewer}` },
        body: JSON.stringify({ query: "{ experiments(first: 1) { totalCount } }" }),
      });
      const text = await response.text();
      const body = JSON.parse(text);
      expect(body.errors[0]).toMatchObject({
        message: "Internal server error",
        extensions: { code: "INTERNAL_SERVER_ERROR", requestId: response.headers.get("x-request-id") },
      });
      expect(Object.keys(body.errors[0].extensions).sort()).toEqual(["code", "requestId"]);
      expect(text).not.toMatch(NO_STACK);
      expect(text).not.toMatch(/experiments_hidden|relation|prisma|postgres/i);
    } finally {
      await prisma.$executeRawUnsafe(`ALTER TABLE "experiments_hidden" RENAME TO "experiments"`);
    }
  });

  it.each([
    ["an unsupported charset", "application/json; charset=utf-7", "{}"],
    ["a JSON body that is not an object", "application/json", "[[[]]]"],
    ["a query that is not a string", "application/json", JSON.stringify({ query: { a: 1 } })],
    ["form encoding", "application/x-www-form-urlencoded", "query=%7Bhealth%7Bstatus%7D%7D"],
    [
      "a truncated multipart body",
      "multipart/form-data; boundary=x",
      '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{',
    ],
  ])("answers %s with a 4xx GraphQL-shaped error and no stack", async (_what, contentType, body) => {
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": contentType, "apollo-require-preflight": "1" },
      body,
    });
    const text = await response.text();
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(text).not.toMatch(NO_STACK);
    expect(text).not.toMatch(/<html|<pre/i);
  });
});

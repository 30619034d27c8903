import { readFile } from "node:fs/promises";
import path from "node:path";
import { buildClientSchema, getIntrospectionQuery, printSchema, type IntrospectionQuery } from "graphql";
import { STANDARD_INTROSPECTION_BOUNDS } from "../../src/api/limits";
import { startTestServer, type TestServer } from "../support/testServer";
import { wsClient } from "../support/wsClient";

const SCHEMA_FILE = path.resolve(__dirname, "../../schema.graphql");
const EVERY_OPTION = {
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
};

/** runs → nodes → experiment → runs → nodes → experiment …: `levels` deep data selections around `inner`. */
function deepData(levels: number, inner = "id"): string {
  let selection = inner;
  for (let level = 0; level < levels; level++) {
    selection =
      level % 2 === 0 ? `experiment { id ${selection} }` : `runs(first: 1) { nodes { ${selection} } }`;
  }
  return `runs(first: 1) { nodes { ${selection} } }`;
}

describe("with introspection on (the default)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("answers graphql-js's standard introspection query (every option on) with the committed schema", async () => {
    const res = await server.gql<IntrospectionQuery>(getIntrospectionQuery(EVERY_OPTION));
    expect(res.errors).toBeUndefined();
    const printed = `${printSchema(buildClientSchema(res.data!))}\n`;
    expect(printed).toBe(await readFile(SCHEMA_FILE, "utf8"));
  });

  it("measures the standard query deeper than the data limit, so its bounds are its own", () => {
    expect(STANDARD_INTROSPECTION_BOUNDS.depth).toBeGreaterThan(server.db.config.maxQueryDepth);
    expect(STANDARD_INTROSPECTION_BOUNDS.listNesting).toBe(3);
  });

  it("answers the standard introspection query over the subscription socket too", async () => {
    const client = wsClient(server.graphqlUrl, server.keys.viewer);
    try {
      const result = await client
        .iterate<IntrospectionQuery>({ query: getIntrospectionQuery(EVERY_OPTION) })
        .next();
      expect(result.value?.errors).toBeUndefined();
      expect(result.value?.data?.__schema.queryType?.name).toBe("Query");
    } finally {
      await client.dispose();
    }
  });

  it("still refuses a deep data query, naming the depth limit", async () => {
    const res = await server.gql(`{ ${deepData(14)} }`, {}, server.keys.viewer);
    expect(res.data).toBeUndefined();
    expect(res.errors?.[0].message).toMatch(/^query depth \d+ exceeds the limit of 12$/);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "depth" });
  });

  it("refuses a deep data query that carries introspection fields beside and inside it", async () => {
    const query = `{ __schema { queryType { name } } ${deepData(14, "__typename")} }`;
    const res = await server.gql(query, {}, server.keys.viewer);
    expect(res.data).toBeUndefined();
    expect(res.errors?.map((e) => e.extensions?.limit)).toEqual(["depth"]);
    expect(res.errors?.[0].message).toMatch(/^query depth \d+ exceeds the limit of 12$/);
  });

  it("refuses introspection hidden in a root fragment beside deep data", async () => {
    const query = `query { ...Both } fragment Both on Query { __type(name: "Run") { name } ${deepData(14)} }`;
    const res = await server.gql(query, {}, server.keys.viewer);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "depth" });
  });

  it("refuses introspection nested deeper than the standard query", async () => {
    let selection = "name";
    for (let i = 0; i < 20; i++) selection = `ofType { ${selection} }`;
    const res = await server.gql(`{ __type(name: "Run") { ${selection} } }`);
    expect(res.errors?.[0].message).toMatch(/^introspection depth \d+ exceeds the \d+ of the standard/);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "depth" });
  });

  it("refuses introspection that nests more lists than the standard query (types × fields × fields …)", async () => {
    const query = `{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`;
    const res = await server.gql(query);
    expect(res.errors?.[0].message).toBe(
      "introspection nests 4 lists; the standard introspection query nests 3",
    );
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "cost" });
  });

  it("still counts the aliases of an introspection query", async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `t${i}: name`).join(" ");
    const res = await server.gql(`{ __type(name: "Run") { ${aliases} } }`);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", limit: "aliases" });
  });

  it("serves the explorer to a browser at GET /graphql, no-cache, and JSON GETs still reach the API", async () => {
    const page = await fetch(server.graphqlUrl, { headers: { accept: "text/html,application/xhtml+xml" } });
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-cache");
    const html = await page.text();
    expect(html).toContain("LogoLab GraphQL explorer");
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
    const api = await fetch(`${server.graphqlUrl}?query=${encodeURIComponent("{ health { status } }")}`, {
      headers: { accept: "application/json", "apollo-require-preflight": "true" },
    });
    expect(await api.json()).toEqual({ data: { health: { status: "ok" } } });
  });
});

describe("with introspection off", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ LOGOLAB_INTROSPECTION: "false" });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("refuses the standard introspection query", async () => {
    const res = await server.gql(getIntrospectionQuery(EVERY_OPTION), {}, server.keys.viewer);
    expect(res.data).toBeUndefined();
    const refusal = res.errors?.find((error) => /introspection/i.test(error.message));
    expect(refusal?.message).toMatch(/GraphQL introspection is not allowed/);
    expect(refusal?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });

  it("turns the explorer off with a 404 that says why", async () => {
    const page = await fetch(server.graphqlUrl, { headers: { accept: "text/html" } });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain("LOGOLAB_INTROSPECTION=false");
  });
});

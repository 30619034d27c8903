import { startTestServer, type TestServer } from "../support/testServer";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

const LIST = "{ experiments(first: 1) { totalCount } }";
const MUTATE = `mutation { createExperiment(input: { name: "x", datasetId: "00000000-0000-7000-8000-000000000000" }) { id } }`;

describe("API keys", () => {
  it("answers health with no key at all", async () => {
    const res = await server.gql("{ health { status } }");
    expect(res.data).toEqual({ health: { status: "ok" } });
  });

  it("rejects a protected query without a key as UNAUTHENTICATED", async () => {
    const res = await server.gql(LIST);
    expect(res.data).toBeNull();
    expect(res.errors?.[0]).toMatchObject({
      message: "this operation needs an API key (Authorization: Bearer <key>)",
      extensions: { code: "UNAUTHENTICATED" },
    });
  });

  it("rejects an unknown key with HTTP 401 and UNAUTHENTICATED", async () => {
    const res = await server.gql(LIST, {}, "ll_this-key-does-not-exist");
    expect(res.status).toBe(401);
    expect(res.errors?.[0]).toMatchObject({
      message: "API key is invalid or revoked",
      extensions: { code: "UNAUTHENTICATED" },
    });
  });

  it("rejects a malformed Authorization header as UNAUTHENTICATED", async () => {
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Basic dXNlcjpwYXNz" },
      body: JSON.stringify({ query: LIST }),
    });
    const body = await response.json();
    expect(response.status).toBe(401);
    expect(body.errors[0].extensions.code).toBe("UNAUTHENTICATED");
  });

  it("stops accepting a key once it is revoked", async () => {
    const { apiKey, secret } = await server.registry.apiKeys.create("VIEWER", "short-lived");
    expect((await server.gql(LIST, {}, secret)).errors).toBeUndefined();
    const revoke = await server.gql(
      `mutation($id: ID!) { revokeApiKey(id: $id) { id revokedAt } }`,
      { id: apiKey.id },
      server.keys.admin,
    );
    expect(revoke.errors).toBeUndefined();
    const res = await server.gql(LIST, {}, secret);
    expect(res.status).toBe(401);
    expect(res.errors?.[0].extensions?.code).toBe("UNAUTHENTICATED");
  });

  it("lets a viewer read but not write: a mutation is FORBIDDEN and writes nothing", async () => {
    expect((await server.gql(LIST, {}, server.keys.viewer)).errors).toBeUndefined();
    const res = await server.gql(MUTATE, {}, server.keys.viewer);
    expect(res.errors?.[0]).toMatchObject({
      message: "this operation needs role ENGINEER; the key has role VIEWER",
      extensions: { code: "FORBIDDEN", requiredRole: "ENGINEER" },
    });
    expect(await server.db.database.prisma.experiment.count()).toBe(0);
  });

  it("reserves key management for admins and shows a new secret only once", async () => {
    const CREATE = `mutation { createApiKey(input: { name: "ad service", role: SERVICE }) { secret apiKey { id role prefix } } }`;
    expect((await server.gql(CREATE, {}, server.keys.engineer)).errors?.[0].extensions?.code).toBe(
      "FORBIDDEN",
    );
    const res = await server.gql<{
      createApiKey: { secret: string; apiKey: { id: string; role: string; prefix: string } };
    }>(CREATE, {}, server.keys.admin);
    const created = res.data!.createApiKey;
    expect(created.apiKey.role).toBe("SERVICE");
    expect(created.secret.startsWith(created.apiKey.prefix)).toBe(true);
    const stored = await server.db.database.prisma.apiKey.findUniqueOrThrow({
      where: { id: created.apiKey.id },
    });
    expect(JSON.stringify(stored)).not.toContain(created.secret);
    const listed = await server.gql(`{ apiKeys { id } }`, {}, created.secret);
    expect(listed.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });
});

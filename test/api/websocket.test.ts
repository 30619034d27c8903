import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";
import { startTestServer, type TestServer } from "../support/testServer";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

function wsClient(authorization?: string): Client {
  return createClient({
    url: server.graphqlUrl.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: authorization ? { authorization } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

function run(client: Client, query: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let result: unknown;
    client.subscribe(
      { query },
      { next: (value) => (result = value), error: reject, complete: () => resolve(result) },
    );
  });
}

describe("graphql-ws on /graphql", () => {
  it("executes operations for a client with a valid key", async () => {
    const client = wsClient(`Bearer ${server.keys.viewer}`);
    await expect(run(client, "{ health { status } experiments(first: 1) { totalCount } }")).resolves.toEqual({
      data: { health: { status: "ok" }, experiments: { totalCount: 0 } },
    });
    await client.dispose();
  });

  it("closes the connection of a client with an invalid key (4403 Forbidden)", async () => {
    const client = wsClient("Bearer ll_wrong");
    await expect(run(client, "{ health { status } }")).rejects.toMatchObject({ code: 4403 });
    await client.dispose();
  });

  it("answers protected fields without a key with UNAUTHENTICATED", async () => {
    const client = wsClient();
    const result = (await run(client, "{ datasets { totalCount } }")) as {
      errors: { extensions: { code: string } }[];
    };
    expect(result.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    await client.dispose();
  });
});

it("applies the query limits to websocket operations too", async () => {
  const client = wsClient(`Bearer ${server.keys.viewer}`);
  const aliases = Array.from({ length: 31 }, (_, i) => `h${i}: health { status }`).join(" ");
  await expect(run(client, `{ ${aliases} }`)).rejects.toEqual([
    expect.objectContaining({ extensions: { code: "BAD_USER_INPUT", limit: "aliases" } }),
  ]);
  await client.dispose();
});

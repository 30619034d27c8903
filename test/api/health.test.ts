import { activeBackend } from "../../src/ml/backend";
import { VERSION } from "../../src/version";
import { startTestServer, type TestServer } from "../support/testServer";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

it("reports version, database kind and the active ML backend, without a key", async () => {
  const res = await server.gql("{ health { status version database mlBackend } }");
  expect(res.data).toEqual({
    health: { status: "ok", version: VERSION, database: "postgres", mlBackend: activeBackend() },
  });
  expect(["tensorflow-gpu", "tensorflow", "wasm", "cpu"]).toContain(activeBackend());
});

it("answers GET /healthz with the database it checked", async () => {
  const response = await fetch(`${server.url}/healthz`);
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ status: "ok", version: VERSION, database: "postgres" });
});

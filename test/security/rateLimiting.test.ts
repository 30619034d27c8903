import { startTestServer, type TestServer } from "../support/testServer";

const CLASSIFY = `mutation($input: ClassifyImageInput!) { classifyImage(input: $input) { __typename } }`;
const GARBAGE = { imageBase64: Buffer.from("not an image at all").toString("base64") };

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ LOGOLAB_CLASSIFY_RATE: "1", LOGOLAB_CLASSIFY_BURST: "3" });
});
afterAll(async () => {
  await server?.stop();
});

async function classifyAs(key: string) {
  return server.gql(CLASSIFY, { input: GARBAGE }, key);
}

describe("classifyImage rate limiting (1/s, burst 3, per key)", () => {
  it("spends tokens on garbage too: a flood of bad images is limited like good ones", async () => {
    const answers = await Promise.all(Array.from({ length: 10 }, () => classifyAs(server.keys.service)));
    const limited = answers.filter((answer) => answer.errors?.[0].extensions?.code === "RATE_LIMITED");
    expect(limited.length).toBeGreaterThanOrEqual(6);
    expect(limited[0].errors?.[0].extensions?.retryAfterMs).toBeGreaterThan(0);
    const served = answers.filter((answer) => answer.data?.classifyImage);
    expect(served.length).toBeLessThanOrEqual(4);
  });

  it("limits each key on its own: another key is served while the first is limited", async () => {
    expect((await classifyAs(server.keys.service)).errors?.[0].extensions?.code).toBe("RATE_LIMITED");
    const other = await classifyAs(server.keys.engineer);
    expect(other.errors).toBeUndefined();
    // Served (no model is registered here, so the answer is ModelNotFoundError), not limited.
    expect(other.data).toEqual({ classifyImage: { __typename: "ModelNotFoundError" } });
  });

  it("refills: the limited key is served again after a second", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await classifyAs(server.keys.service)).errors).toBeUndefined();
  });

  it("answers RATE_LIMITED without a stack and with the request id", async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => classifyAs(server.keys.service)));
    const limited = answers.find((answer) => answer.errors?.[0].extensions?.code === "RATE_LIMITED")!;
    expect(Object.keys(limited.errors![0].extensions!).sort()).toEqual(["code", "requestId", "retryAfterMs"]);
    expect(JSON.stringify(limited)).not.toMatch(/stacktrace|\.ts:\d+/);
  });
});

import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { startedWorkers } from "../../src/ml/__tests__/fixtures/recordedWorkers";
import { classImage } from "../support/imageFolder";
import { createExperimentWithDataset, FOUR_CLASSES, START_RUN, TINY_RUN } from "../support/runFixtures";
import { startTestServer, type TestServer } from "../support/testServer";
import { waitFor } from "../support/waitFor";

jest.mock("node:worker_threads", () =>
  jest
    .requireActual<typeof import("../../src/ml/__tests__/fixtures/recordedWorkers")>(
      "../../src/ml/__tests__/fixtures/recordedWorkers",
    )
    .recordingWorkerThreads(),
);

const CLASSIFY = `mutation($input: ClassifyImageInput!) {
  classifyImage(input: $input) { __typename ... on Classification { label } }
}`;
const CLIENTS = 16;

let server: TestServer;
let tmp: string;
let runId: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-fault-inference-"));
  server = await startTestServer({
    LOGOLAB_WORKERS: "1",
    LOGOLAB_SERVE_THREADS: "2",
    LOGOLAB_CLASSIFY_RATE: "10000",
    LOGOLAB_CLASSIFY_BURST: "10000",
  });
  const experimentId = await createExperimentWithDataset(server, "killed", tmp, {
    train: 4,
    val: 2,
    test: 1,
  });
  const res = await server.gql<{ startRun: { id: string } }>(
    START_RUN,
    { input: { experimentId, hyperparameters: { ...TINY_RUN, epochs: 2 } } },
    server.keys.engineer,
  );
  runId = res.data!.startRun.id;
  await waitFor(
    async () =>
      (await server.db.database.prisma.run.findUnique({ where: { id: runId } }))?.status === "SUCCEEDED",
    120_000,
  );
}, 180_000);
afterAll(async () => {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

it("answers the requests of a killed inference thread INTERNAL_SERVER_ERROR, and serves every later one", async () => {
  const imageBase64 = (
    await sharp(await classImage(FOUR_CLASSES.green, 1))
      .png()
      .toBuffer()
  ).toString("base64");
  const classify = () => server.gql(CLASSIFY, { input: { imageBase64, model: runId } }, server.keys.service);
  expect((await classify()).data).toEqual({
    classifyImage: { __typename: "Classification", label: "green" },
  });
  const threads = [...startedWorkers];
  expect(threads).toHaveLength(2);

  let killedAt = Infinity;
  let isLoading = true;
  const answers: { at: number; code?: unknown; message?: string; label?: unknown }[] = [];
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (isLoading) {
      const res = await classify();
      answers.push({
        at: Date.now(),
        code: res.errors?.[0].extensions?.code,
        message: res.errors?.[0].message,
        label: (res.data as { classifyImage?: { label?: string } } | null)?.classifyImage?.label,
      });
    }
  });
  await waitFor(async () => answers.length >= 40, 30_000);
  // Kill a thread while it holds work: right after the pool hands it a message (a forward pass).
  const victim = threads[0];
  const post = victim.postMessage.bind(victim);
  await new Promise<void>((resolve) => {
    victim.postMessage = (...args: Parameters<typeof post>) => {
      post(...args);
      resolve();
    };
  });
  killedAt = Date.now();
  await victim.terminate();
  await waitFor(async () => answers.filter((answer) => answer.at > killedAt + 2_000).length >= 40, 30_000);
  isLoading = false;
  await Promise.all(clients);

  const failed = answers.filter((answer) => answer.code !== undefined);
  // Only what was in the killed thread's forward pass fails (a batch or two), and says so plainly.
  expect(failed.length).toBeGreaterThan(0);
  expect(failed.length).toBeLessThanOrEqual(2 * CLIENTS);
  for (const answer of failed)
    expect(answer).toMatchObject({ code: "INTERNAL_SERVER_ERROR", message: "Internal server error" });
  expect(Math.min(...failed.map((answer) => answer.at))).toBeGreaterThanOrEqual(killedAt);
  // Every answer after the first second past the kill is a correct classification.
  const later = answers.filter((answer) => answer.at > killedAt + 1_000);
  expect(later.length).toBeGreaterThan(20);
  expect(later.filter((answer) => answer.label !== "green")).toEqual([]);
  // The killed thread was replaced: a third worker started and reloaded the model.
  expect(startedWorkers).toHaveLength(3);
  console.log(
    `inference thread killed under ${CLIENTS} clients: ${answers.length} answers, ${failed.length} INTERNAL_SERVER_ERROR (all within ${Math.max(...failed.map((a) => a.at)) - killedAt} ms of the kill), then none`,
  );
}, 120_000);

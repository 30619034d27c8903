import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createExperimentWithDataset, START_RUN, TINY_RUN } from "../support/runFixtures";
import { startTestServer, type TestServer } from "../support/testServer";
import { waitFor } from "../support/waitFor";

/**
 * An artifacts directory checkpoints cannot be written to (its path runs through a regular file,
 * so every write fails with ENOTDIR whoever the process runs as — root ignores permission bits).
 */
let server: TestServer;
let tmp: string;
let blocker: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-fault-artifacts-"));
  blocker = path.join(tmp, "not-a-directory");
  await fs.writeFile(blocker, "a file where the artifacts directory should be");
  server = await startTestServer({
    LOGOLAB_WORKERS: "1",
    LOGOLAB_ARTIFACTS_DIR: path.join(blocker, "artifacts"),
  });
});
afterAll(async () => {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

it("fails the run with a clear reason and registers no checkpoint when artifacts cannot be written", async () => {
  const experimentId = await createExperimentWithDataset(server, "unwritable", tmp, {
    train: 4,
    val: 2,
    test: 1,
  });
  const started = await server.gql<{ startRun: { id: string } }>(
    START_RUN,
    { input: { experimentId, hyperparameters: { ...TINY_RUN, epochs: 2 } } },
    server.keys.engineer,
  );
  const runId = started.data!.startRun.id;
  const prisma = server.db.database.prisma;
  await waitFor(async () => {
    const status = (await prisma.run.findUnique({ where: { id: runId } }))?.status;
    return status === "FAILED" || status === "SUCCEEDED";
  }, 120_000);
  const run = await prisma.run.findUniqueOrThrow({ where: { id: runId } });
  expect(run.status).toBe("FAILED");
  expect(run.error).toMatch(/ENOTDIR|not a directory/i);
  expect(run.error).toContain(blocker);
  expect(await prisma.checkpoint.count({ where: { runId } })).toBe(0);
  expect(await prisma.epochMetric.count({ where: { runId } })).toBe(0);
  // The server is unharmed: the failure is an ordinary run status.
  const res = await server.gql<{ run: { status: string; error: string } }>(
    `query($id: ID!) { run(id: $id) { status error } }`,
    { id: runId },
    server.keys.viewer,
  );
  expect(res.data!.run).toEqual({ status: "FAILED", error: run.error });
  console.log(`unwritable artifacts: run FAILED with "${run.error}"`);
}, 180_000);

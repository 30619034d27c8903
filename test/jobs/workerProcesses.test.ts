import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createExperimentWithDataset, START_RUN, TINY_RUN } from "../support/runFixtures";
import { startTestServer, type TestServer } from "../support/testServer";
import { waitFor } from "../support/waitFor";
import { startWorkerProcess, type WorkerProcess } from "../support/workerProcess";
import { collect, wsClient } from "../support/wsClient";

let server: TestServer;
let tmp: string;
let experimentId: string;
let workers: WorkerProcess[] = [];

const WORKER_TIMINGS = { LOGOLAB_HEARTBEAT_MS: "300", LOGOLAB_STALE_RUN_MS: "3000" };

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-workers-"));
  // The API process runs no worker: training happens only in the worker processes.
  server = await startTestServer({ LOGOLAB_WORKERS: "0", ...WORKER_TIMINGS });
  experimentId = await createExperimentWithDataset(server, "shared-queue", tmp);
});
afterEach(async () => {
  for (const worker of workers) worker.child.kill("SIGKILL");
  await Promise.all(workers.map((w) => w.exited));
  workers = [];
});
afterAll(async () => {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

function workerEnv(): Record<string, string> {
  return {
    DATABASE_URL: server.db.scratch.url,
    LOGOLAB_HOME: server.db.config.home,
    ...WORKER_TIMINGS,
  };
}

async function startRun(hyperparameters: Record<string, unknown>): Promise<string> {
  const res = await server.gql<{ startRun: { id: string } }>(
    START_RUN,
    { input: { experimentId, hyperparameters } },
    server.keys.engineer,
  );
  return res.data!.startRun.id;
}

async function epochsOf(runId: string): Promise<number[]> {
  const rows = await server.db.database.prisma.epochMetric.findMany({
    where: { runId },
    orderBy: { epoch: "asc" },
  });
  return rows.map((r) => r.epoch);
}

it("shares a queue of 4 runs between two worker processes: each run executes exactly once", async () => {
  workers = await Promise.all([startWorkerProcess(workerEnv()), startWorkerProcess(workerEnv())]);
  const runIds = [];
  for (let i = 0; i < 4; i++) runIds.push(await startRun({ ...TINY_RUN, epochs: 2, seed: i }));
  // Events cross processes: the API's subscriber hears the worker's epochs through LISTEN/NOTIFY.
  const followed = collect<{ runProgress: { kind: string } }>(
    wsClient(server.graphqlUrl, server.keys.viewer),
    `subscription($id: ID!) { runProgress(runId: $id) { kind } }`,
    { id: runIds[3] },
  );
  await waitFor(
    async () => (await server.db.database.prisma.run.count({ where: { status: "SUCCEEDED" } })) === 4,
    150_000,
  );
  const runs = await server.db.database.prisma.run.findMany({ where: { id: { in: runIds } } });
  for (const run of runs) {
    expect(run.attempt).toBe(1);
    expect(await epochsOf(run.id)).toEqual([1, 2]);
  }
  const pids = new Set(runs.map((r) => r.workerId!.split(":")[1]));
  expect([...pids].every((pid) => workers.some((w) => String(w.pid) === pid))).toBe(true);
  const kinds = (await followed).map((e) => e.runProgress.kind);
  expect(kinds.filter((k) => k === "EPOCH")).toHaveLength(2);
  expect(kinds.at(-1)).toBe("STATUS");
}, 200_000);

it("resumes a run whose worker is SIGKILLed mid-run on the other worker, storing each epoch exactly once", async () => {
  const first = await startWorkerProcess(workerEnv());
  workers = [first];
  const runId = await startRun({ ...TINY_RUN, epochs: 6 });
  await waitFor(async () => (await epochsOf(runId)).length >= 2, 120_000, 50);
  first.child.kill("SIGKILL");
  expect(await first.exited).toBe("SIGKILL");
  const second = await startWorkerProcess(workerEnv());
  workers.push(second);
  await waitFor(async () => (await server.registry.runs.get(runId))!.status === "SUCCEEDED", 150_000);
  const run = (await server.registry.runs.get(runId))!;
  expect(await epochsOf(runId)).toEqual([1, 2, 3, 4, 5, 6]);
  expect(run.attempt).toBe(2);
  expect(run.resumedFromEpoch).toBeGreaterThanOrEqual(2);
  expect(run.workerId!.split(":")[1]).toBe(String(second.pid));
}, 200_000);

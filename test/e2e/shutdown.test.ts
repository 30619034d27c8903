import { once } from "node:events";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import WebSocket from "ws";
import { lockPathOf } from "../../src/db/embeddedLock";
import { FOUR_CLASSES, TINY_RUN } from "../support/runFixtures";
import { writeImageFolder } from "../support/imageFolder";
import { createScratchDatabase, type ScratchDatabase } from "../support/scratchDatabase";
import { gqlAt, runCli, startCli, startServe, type CliProcess } from "../support/cliProcess";
import { waitFor } from "../support/waitFor";

// Real processes and real signals: the built CLI, stopped with SIGTERM/SIGINT as a terminal,
// `docker compose stop` or a supervisor would. Each stop must end within the shutdown timeout
// (LOGOLAB_SHUTDOWN_TIMEOUT_MS, default 20 s) with code 0.
const SHUTDOWN_TIMEOUT_MS = 20_000;

let processes: CliProcess[] = [];
afterEach(async () => {
  for (const started of processes) started.child.kill("SIGKILL");
  await Promise.all(processes.map((p) => p.exited));
  processes = [];
});

function track<T extends CliProcess>(started: T): T {
  processes.push(started);
  return started;
}

/** A graphql-ws connection, acknowledged, that stays open until the server closes it. */
async function openWebSocket(url: string, key: string): Promise<{ closed: Promise<number> }> {
  const socket = new WebSocket(`${url.replace(/^http/, "ws")}/graphql`, "graphql-transport-ws");
  await once(socket, "open");
  socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${key}` } }));
  const [ack] = (await once(socket, "message")) as [Buffer];
  expect(JSON.parse(ack.toString())).toEqual({ type: "connection_ack" });
  return { closed: once(socket, "close").then(([code]) => code as number) };
}

interface RunState {
  status: string;
  attempt: number;
  resumedFromEpoch: number | null;
  epochs: { epoch: number }[];
}

async function runState(url: string, key: string, runId: string): Promise<RunState> {
  const res = await gqlAt<{ run: RunState }>(
    url,
    key,
    `query($id: ID!) { run(id: $id) { status attempt resumedFromEpoch epochs { epoch } } }`,
    { id: runId },
  );
  return res.data!.run;
}

/** Imports a tiny four-class set and starts a short AlexNet-lite run on it; returns the run id. */
async function startTinyRun(url: string, key: string, dir: string, epochs: number): Promise<string> {
  const images = path.join(dir, `four-classes-${Date.now()}`);
  await writeImageFolder(images, FOUR_CLASSES, { train: 3, val: 2, test: 1 });
  const dataset = await gqlAt<{ importDataset: { id: string } }>(
    url,
    key,
    `mutation($path: String!) { importDataset(input: { format: IMAGE_FOLDER, path: $path }) { id } }`,
    { path: images },
  );
  const experiment = await gqlAt<{ createExperiment: { id: string } }>(
    url,
    key,
    `mutation($ds: ID!) { createExperiment(input: { name: "stopped mid-run", datasetId: $ds }) { id } }`,
    { ds: dataset.data!.importDataset.id },
  );
  const run = await gqlAt<{ startRun: { id: string } }>(
    url,
    key,
    `mutation($input: StartRunInput!) { startRun(input: $input) { id } }`,
    {
      input: { experimentId: experiment.data!.createExperiment.id, hyperparameters: { ...TINY_RUN, epochs } },
    },
  );
  expect(run.errors).toBeUndefined();
  return run.data!.startRun.id;
}

/** Waits until `runId` has committed `count` epochs and is still running. */
async function waitForEpochs(url: string, key: string, runId: string, count: number): Promise<void> {
  await waitFor(async () => (await runState(url, key, runId)).epochs.length >= count, 120_000, 100);
}

describe.each(["embedded", "postgres"] as const)("on the %s database", (kind) => {
  let home: string;
  let scratch: ScratchDatabase | undefined;
  let env: Record<string, string>;
  let adminKey: string;

  beforeAll(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), `logolab-shutdown-${kind}-`));
    scratch = kind === "postgres" ? await createScratchDatabase() : undefined;
    env = { LOGOLAB_HOME: home, ...(scratch ? { DATABASE_URL: scratch.url } : {}) };
    const created = await runCli(["keys", "create", "--role", "admin"], env, home);
    expect(created.status).toBe(0);
    adminKey = /secret: (\S+)/.exec(created.output)![1];
  }, 120_000);
  afterAll(async () => {
    await scratch?.drop();
    await fs.rm(home, { recursive: true, force: true });
  });

  it("stops an idle serve on SIGTERM with code 0, closing its websockets, and leaves no lock", async () => {
    const serve = track(await startServe({ ...env, LOGOLAB_WORKERS: "1" }, home));
    expect((await gqlAt(serve.url, adminKey, "{ health { status } }")).status).toBe(200);
    const socket = await openWebSocket(serve.url, adminKey);
    const { status, ms } = await serve.signal("SIGTERM");
    expect(status).toBe(0);
    expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(await socket.closed).toBe(1001);
    expect(serve.output()).toMatch(/closed in \d+ ms/);
    expect(await fs.readdir(home)).not.toContain(path.basename(lockPathOf(path.join(home, "db"))));
  }, 120_000);

  it("stops while the default dataset generates, marking it FAILED as interrupted", async () => {
    const serve = track(
      await startServe({ ...env, LOGOLAB_WORKERS: "0", LOGOLAB_DEFAULT_DATASET: "true" }, home),
    );
    await serve.waitFor(/generating the default dataset/);
    await waitFor(async () => {
      const res = await gqlAt<{ datasets: { nodes: { status: string; progress: number | null }[] } }>(
        serve.url,
        adminKey,
        "{ datasets { nodes { status progress } } }",
      );
      return res.data!.datasets.nodes.some((d) => d.status === "GENERATING" && (d.progress ?? 0) > 0);
    }, 120_000);
    const { status, ms } = await serve.signal("SIGTERM");
    expect(status).toBe(0);
    expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    const listed = await runCli(["dataset", "list"], env, home);
    expect(listed.output).toMatch(/SynthLogos-32.*FAILED.*interrupted: the server stopped/);
    expect(await fs.readdir(path.join(home, "datasets", ".synthetic-scratch"))).toEqual([]);
  }, 180_000);

  // The generation's first seconds load artwork and photographs, where it cannot stop: closing
  // waits for it, which the next two tests use (embedded only: one database is enough).
  const whenEmbedded = kind === "embedded" ? it : it.skip;
  const generating = () => ({ ...env, LOGOLAB_WORKERS: "0", LOGOLAB_DEFAULT_DATASET: "true" });

  whenEmbedded(
    "past LOGOLAB_SHUTDOWN_TIMEOUT_MS says what it was closing and what is open, and exits 1",
    async () => {
      const serve = track(await startServe({ ...generating(), LOGOLAB_SHUTDOWN_TIMEOUT_MS: "300" }, home));
      const { status, ms } = await serve.signal("SIGTERM");
      expect(status).toBe(1);
      expect(ms).toBeLessThan(5_000);
      expect(serve.output()).toMatch(
        /not closed after 300 ms \(still closing dataset preparations\); open: .*server listening on 127\.0\.0\.1:\d+.*; exiting with code 1/,
      );
      expect(await fs.readdir(home)).not.toContain("db.lock");
    },
    120_000,
  );

  whenEmbedded(
    "ends at once, with 130, on a second Ctrl-C, releasing the embedded database's lock",
    async () => {
      const serve = track(await startServe(generating(), home));
      serve.child.kill("SIGINT");
      await serve.waitFor(/SIGINT: finishing in-flight work/);
      const { status, ms } = await serve.signal("SIGINT");
      expect(status).toBe(130);
      // "At once": without waiting for the generation (seconds); the rest is process teardown.
      expect(ms).toBeLessThan(3_000);
      expect(serve.output()).toMatch(/SIGINT again: exiting now while closing dataset preparations/);
      expect(await fs.readdir(home)).not.toContain("db.lock");
    },
    120_000,
  );

  it("hands a run in progress back to the queue on SIGTERM; the next workers finish it, each epoch once", async () => {
    const epochs = kind === "embedded" ? 3 : 4;
    const serve = track(await startServe({ ...env, LOGOLAB_WORKERS: "1" }, home));
    const runId = await startTinyRun(serve.url, adminKey, home, epochs);
    await waitForEpochs(serve.url, adminKey, runId, 1);
    const stopped = await serve.signal("SIGTERM");
    expect(stopped.status).toBe(0);
    expect(stopped.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);

    // Embedded: the next serve on the same home trains it. PostgreSQL: a `logolab worker` takes it,
    // is itself stopped mid-run, and a second worker finishes it.
    const next = track(await startServe({ ...env, LOGOLAB_WORKERS: kind === "embedded" ? "1" : "0" }, home));
    let attempts = 2;
    if (kind === "postgres") {
      expect((await runState(next.url, adminKey, runId)).status).toBe("QUEUED");
      const worker = track(startCli(["worker"], env, home));
      await worker.waitFor(/waiting for training jobs/);
      await waitForEpochs(next.url, adminKey, runId, 2);
      const workerStopped = await worker.signal("SIGTERM");
      expect(workerStopped.status).toBe(0);
      expect(workerStopped.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      expect((await runState(next.url, adminKey, runId)).status).toBe("QUEUED");
      const second = track(startCli(["worker"], env, home));
      await second.waitFor(/waiting for training jobs/);
      attempts = 3;
    }
    await waitFor(async () => (await runState(next.url, adminKey, runId)).status === "SUCCEEDED", 150_000);
    const finished = await runState(next.url, adminKey, runId);
    expect(finished.epochs.map((e) => e.epoch)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
    expect(finished.attempt).toBe(attempts);
    expect(finished.resumedFromEpoch).toBeGreaterThanOrEqual(1);
  }, 300_000);
});

describe("logolab reproduce", () => {
  let home: string;
  let scratch: ScratchDatabase;
  beforeAll(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-shutdown-reproduce-"));
    scratch = await createScratchDatabase();
  });
  afterAll(async () => {
    await scratch?.drop();
    await fs.rm(home, { recursive: true, force: true });
  });

  it("stops on SIGTERM with code 0 while both runs train, handing them back to the queue", async () => {
    const env = { LOGOLAB_HOME: home, DATABASE_URL: scratch.url };
    const images = path.join(home, "two-classes");
    await writeImageFolder(
      images,
      { red: [220, 40, 40], "no-logo": [128, 128, 128] },
      { train: 40, val: 2, test: 2 },
    );
    const imported = await runCli(
      ["dataset", "import", "--format", "image-folder", "--path", images],
      env,
      home,
    );
    const datasetId = /id: +(\S+)/.exec(imported.output)![1];
    const reproduce = track(startCli(["reproduce", "--quick", "--dataset", datasetId], env, home));
    const db = new pg.Client({ connectionString: scratch.url });
    await db.connect();
    try {
      const statuses = async () =>
        (await db.query<{ status: string }>("SELECT status FROM runs")).rows.map((r) => r.status);
      await waitFor(async () => (await statuses()).filter((s) => s === "RUNNING").length === 2, 120_000, 100);
      const { status, ms } = await reproduce.signal("SIGTERM");
      expect(status).toBe(0);
      expect(ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
      expect(reproduce.output()).toContain("runs in progress went back to the queue");
      // A run may have finished during the stop; none is left RUNNING (orphaned) or FAILED.
      for (const runStatus of await statuses()) expect(["QUEUED", "SUCCEEDED"]).toContain(runStatus);
    } finally {
      await db.end();
    }
  }, 180_000);
});

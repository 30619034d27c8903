/**
 * bench:events — live progress at scale and the cost of tracking a run.
 *
 * On a scratch PostgreSQL database, LogoLab runs as `npm start` does (API server + one in-process
 * worker training in a child process). A generated 4-class image set (192 train / 40 val / 24 test
 * images) is imported through GraphQL; then, in 3 interleaved passes:
 *   1. bare: `train()` in this process, same hyperparameters, same data, same backend, timed;
 *   2. tracked: `startRun` (AlexNet-lite, 96 px, 5 epochs, no augmentations, fixed seed) followed
 *      by 100 graphql-ws subscribers of `runProgress`, each stamping every EPOCH event it receives.
 * Delivery latency = receive time − the epoch row's epoch_metrics.created_at (same clock), over
 * every subscriber × epoch pair; every subscriber must get every epoch, in order. Tracking
 * overhead = median over passes of (tracked wall − bare wall) / bare wall, tracked wall = the run's
 * startedAt → finishedAt (child start, backend start, DB commits, checkpoint freezing and event
 * publishing included). The table splits both walls into epochs and what lies outside them, and an
 * epoch event's latency into its stages, so a loaded machine's noise can be told from real cost.
 * Last line: `bench:events p99_ms=<x> overhead_pct=<y>`.
 *
 * Run: npm run bench:events (npm run build, then tsc -p bench/events.tsconfig.json, then node
 * dist/bench-events/bench/events.js). The bench drives the build in dist/; see support/builtModules.ts.
 * Needs PostgreSQL on 127.0.0.1:5432, user postgres, trust auth (or LOGOLAB_TEST_POSTGRES_URL).
 */
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Hyperparameters } from "../src/ml/hyperparameters";
import type { TrainingData } from "../src/ml/train";
import { activeBackend, loadTrainingData, train, withDefaults } from "./support/builtModules";
import { writeBenchImageFolder, type SplitSizes } from "./support/eventsImageFolder";
import {
  checkEveryEpochInOrder,
  deliveryLatenciesMs,
  epochStages,
  fanOutPerEpoch,
  percentile,
  type EpochFanOut,
  type EpochStages,
} from "./support/eventsLatency";
import { tapRunEvents } from "./support/eventsBusTap";
import { dropScratchDatabases } from "../test/support/scratchDatabase";
import { startBenchServer, type BenchServer } from "./support/benchServer";
import { openSubscribers, type SubscriberLog } from "./support/eventsSubscribers";

const SUBSCRIBERS = 100;
const EPOCHS = 5;
const PASSES = 3;
const IMAGES_PER_CLASS: SplitSizes = { train: 48, val: 10, test: 6 };
const RUN_INPUT: Partial<Hyperparameters> = {
  architecture: "ALEXNET_LITE",
  imageSize: 96,
  epochs: EPOCHS,
  augmentations: [],
  seed: 7,
};

const benchStartedMs = performance.now();

function log(message: string): void {
  const elapsedSeconds = ((performance.now() - benchStartedMs) / 1000).toFixed(0).padStart(4);
  process.stderr.write(`[bench:events ${elapsedSeconds} s] ${message}\n`);
}

/** The imported dataset and the experiment every run belongs to. */
interface Fixture {
  experimentId: string;
  datasetVersion: string;
  data: TrainingData;
}

/** One timed training of the same hyperparameters, bare or tracked. */
interface Timing {
  wallMs: number;
  /** Σ of the epochs' own durations: what both ways share. */
  epochsMs: number;
  /** Start → first training batch done: set-up (tracked: child, backend, data, model). */
  toFirstBatchMs: number;
  lastValAccuracy: number;
  backend: string;
}

interface TrackedTiming extends Timing {
  queueWaitMs: number;
  latenciesMs: number[];
  fanOut: EpochFanOut[];
  stages: EpochStages[];
  progressEventsPerSubscriber: number;
  checkpointsFrozen: number;
  checkpointBytes: number;
}

async function importFixture(server: BenchServer, workDir: string): Promise<Fixture> {
  const source = path.join(workDir, "bench-events-shapes");
  const imageCount = await writeBenchImageFolder(source, IMAGES_PER_CLASS);
  log(`generated ${imageCount} images; importing through GraphQL …`);
  const { importDataset } = await server.gql<{ importDataset: { id: string } }>(
    `mutation($path: String!) { importDataset(input: { format: IMAGE_FOLDER, path: $path }) { id } }`,
    { path: source },
  );
  const { createExperiment } = await server.gql<{ createExperiment: { id: string } }>(
    `mutation($ds: ID!) { createExperiment(input: { name: "bench:events", datasetId: $ds }) { id } }`,
    { ds: importDataset.id },
  );
  const dataset = await server.registry.datasets.get(importDataset.id);
  if (!dataset?.contentHash) throw new Error(`dataset ${importDataset.id} is not ready`);
  return {
    experimentId: createExperiment.id,
    datasetVersion: dataset.contentHash,
    data: await loadTrainingData(dataset.rootPath),
  };
}

/** `train()` in this process, as the training child calls it, minus the child and the recording. */
async function bareRun(
  server: BenchServer,
  fixture: Fixture,
  workDir: string,
  pass: number,
): Promise<Timing> {
  log(`pass ${pass}: bare train() …`);
  const startedMs = performance.now();
  let firstBatchMs: number | undefined;
  const result = await train({
    hyperparameters: withDefaults(RUN_INPUT),
    data: fixture.data,
    checkpointDir: path.join(workDir, `bare-${pass}`),
    cacheDir: server.config.cacheDir,
    datasetVersion: fixture.datasetVersion,
    onBatch: () => {
      firstBatchMs ??= performance.now();
    },
    onEpoch: (metrics) =>
      log(
        `pass ${pass}: bare epoch ${metrics.epoch}/${EPOCHS} in ${(metrics.durationMs / 1000).toFixed(1)} s`,
      ),
  });
  const wallMs = performance.now() - startedMs;
  return {
    wallMs,
    epochsMs: result.epochs.reduce((sum, e) => sum + e.durationMs, 0),
    toFirstBatchMs: firstBatchMs! - startedMs,
    lastValAccuracy: result.epochs.at(-1)!.valAccuracy,
    backend: activeBackend(),
  };
}

async function followRun(server: BenchServer, runId: string, pass: number): Promise<SubscriberLog[]> {
  const receipts = new Map<number, number>();
  const group = openSubscribers(server.graphqlUrl, server.keys.viewer, runId, SUBSCRIBERS, (_, receipt) => {
    const count = (receipts.get(receipt.epoch) ?? 0) + 1;
    receipts.set(receipt.epoch, count);
    if (count === SUBSCRIBERS) log(`pass ${pass}: epoch ${receipt.epoch}/${EPOCHS} reached all subscribers`);
  });
  try {
    await group.ready;
    log(`pass ${pass}: ${SUBSCRIBERS} subscribers following run ${runId}`);
    return await group.finished;
  } finally {
    await group.close();
  }
}

/** `startRun` through the API, followed by {@link SUBSCRIBERS} subscribers until it ends. */
async function trackedRun(server: BenchServer, fixture: Fixture, pass: number): Promise<TrackedTiming> {
  log(`pass ${pass}: tracked run (startRun + ${SUBSCRIBERS} subscribers) …`);
  const { startRun } = await server.gql<{ startRun: { id: string } }>(
    `mutation($input: StartRunInput!) { startRun(input: $input) { id } }`,
    { input: { experimentId: fixture.experimentId, hyperparameters: RUN_INPUT } },
  );
  const tap = tapRunEvents(server.platform.training.bus, startRun.id);
  let logs: SubscriberLog[];
  try {
    logs = await followRun(server, startRun.id, pass);
  } finally {
    await tap.stop();
  }
  checkEveryEpochInOrder(logs, EPOCHS);
  const { prisma } = server.database;
  const run = await prisma.run.findUniqueOrThrow({ where: { id: startRun.id } });
  const rows = await prisma.epochMetric.findMany({
    where: { runId: startRun.id },
    orderBy: { epoch: "asc" },
  });
  const checkpoints = await prisma.checkpoint.findMany({ where: { runId: startRun.id } });
  const commits = rows.map((row) => ({ epoch: row.epoch, committedAtMs: row.createdAt.getTime() }));
  const fanOut = fanOutPerEpoch(logs, commits);
  const firstProgress = tap.events.find((e) => e.kind === "PROGRESS");
  if (!run.startedAt || !run.finishedAt) throw new Error(`run ${run.id} has no start or finish time`);
  if (!firstProgress) throw new Error(`run ${run.id} published no batch progress`);
  checkSameHyperparameters(run.hyperparameters);
  return {
    wallMs: run.finishedAt.getTime() - run.startedAt.getTime(),
    epochsMs: rows.reduce((sum, row) => sum + row.durationMs, 0),
    // The first batch is always published (the throttle lets the first event through).
    toFirstBatchMs: firstProgress.publishedAtMs - run.startedAt.getTime(),
    lastValAccuracy: rows.at(-1)!.valAccuracy,
    backend: run.mlBackend ?? "unknown",
    queueWaitMs: run.startedAt.getTime() - run.createdAt.getTime(),
    latenciesMs: deliveryLatenciesMs(logs, commits),
    fanOut,
    stages: epochStages(
      commits,
      fanOut,
      tap.events.filter((e) => e.kind === "EPOCH"),
    ),
    progressEventsPerSubscriber: logs.reduce((sum, l) => sum + l.progressEvents, 0) / logs.length,
    checkpointsFrozen: checkpoints.length,
    checkpointBytes: checkpoints.reduce((sum, c) => sum + Number(c.bytes), 0),
  };
}

/** The comparison is only fair if the worker trained exactly what the bare loop trained. */
function checkSameHyperparameters(stored: unknown): void {
  const bare = withDefaults(RUN_INPUT) as unknown as Record<string, unknown>;
  const tracked = stored as Record<string, unknown>;
  const differing = Object.keys(bare).filter((k) => JSON.stringify(bare[k]) !== JSON.stringify(tracked[k]));
  if (differing.length > 0) {
    throw new Error(`tracked run's hyperparameters differ from the bare loop's in: ${differing.join(", ")}`);
  }
}

/** Middle value (mean of the two middle ones for an even count): robust to one disturbed pass. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const outsideEpochsMs = (t: Timing) => t.wallMs - t.epochsMs;

/** Per pass, (tracked − bare) / bare × 100 of the two runs made back to back. */
function pairedOverheadsPct(bare: Timing[], tracked: Timing[]): number[] {
  return tracked.map((t, i) => ((t.wallMs - bare[i].wallMs) / bare[i].wallMs) * 100);
}

/**
 * Tracking overhead: the median of the per-pass paired overheads. Pairing each tracked run with the
 * bare run just before it cancels slow drift in the shared machine's load; the median drops a pass
 * that a burst of load hit on one side only.
 */
function overheadPct(bare: Timing[], tracked: Timing[]): number {
  return median(pairedOverheadsPct(bare, tracked));
}

function formatTable(bare: Timing[], tracked: TrackedTiming[]): string {
  const bareWall = median(bare.map((t) => t.wallMs));
  const timeRow = (name: string, values: number[], ratio = "—") => [
    name,
    ...values.map(seconds),
    seconds(median(values)),
    ratio,
  ];
  const allLatencies = tracked.flatMap((t) => t.latenciesMs);
  const latencyRow = (name: string, p: number) => [
    name,
    ...tracked.map((t) => percentile(t.latenciesMs, p).toFixed(0)),
    percentile(allLatencies, p).toFixed(0),
    "—",
  ];
  const fanOutRow = (name: string, of: (e: EpochFanOut) => number) => [
    name,
    ...tracked.map((t) => median(t.fanOut.map(of)).toFixed(0)),
    median(tracked.flatMap((t) => t.fanOut.map(of))).toFixed(0),
    "—",
  ];
  const stageRow = (name: string, of: (e: EpochStages) => number) => [
    name,
    ...tracked.map((t) => median(t.stages.map(of)).toFixed(0)),
    median(tracked.flatMap((t) => t.stages.map(of))).toFixed(0),
    "—",
  ];
  const fixedCostMs = tracked.map((t, i) => outsideEpochsMs(t) - outsideEpochsMs(bare[i]));
  const passes = bare.map((_, i) => `pass ${i + 1}`);
  const rows = [
    ["measurement", ...passes, "median (latency: all pairs)", "vs bare loop"],
    ["---", ...passes.map(() => "---:"), "---:", "---:"],
    timeRow(
      "bare `train()` wall (s)",
      bare.map((t) => t.wallMs),
      "1.000× (baseline)",
    ),
    timeRow(
      "tracked run wall, startedAt → finishedAt (s)",
      tracked.map((t) => t.wallMs),
      `${(1 + overheadPct(bare, tracked) / 100).toFixed(3)}× (median of passes)`,
    ),
    [
      "tracking overhead, (tracked − bare) / bare of each pass (%)",
      ...pairedOverheadsPct(bare, tracked).map((pct) => pct.toFixed(1)),
      overheadPct(bare, tracked).toFixed(1),
      "target ≤ 5 %",
    ],
    timeRow(
      "bare: Σ epoch durations (train + eval) (s)",
      bare.map((t) => t.epochsMs),
    ),
    timeRow(
      "tracked: Σ epoch durations (train + eval) (s)",
      tracked.map((t) => t.epochsMs),
    ),
    timeRow("bare: outside epochs (model build, checkpoint writes) (s)", bare.map(outsideEpochsMs)),
    timeRow("tracked: outside epochs (same + child, backend, recording) (s)", tracked.map(outsideEpochsMs)),
    timeRow(
      "fixed tracking cost: tracked − bare outside epochs (s)",
      fixedCostMs,
      `${((median(fixedCostMs) / bareWall) * 100).toFixed(1)} % of bare`,
    ),
    timeRow(
      "bare: start → first batch done (s)",
      bare.map((t) => t.toFirstBatchMs),
    ),
    timeRow(
      "tracked: start → first batch published (s)",
      tracked.map((t) => t.toFirstBatchMs),
    ),
    [
      "tracked: best checkpoints frozen (count, MB)",
      ...tracked.map((t) => `${t.checkpointsFrozen}, ${(t.checkpointBytes / 1e6).toFixed(1)}`),
      "",
      "—",
    ],
    timeRow(
      "startRun → claimed by worker, not counted (s)",
      tracked.map((t) => t.queueWaitMs),
    ),
    latencyRow(`epoch delivery latency p50 (ms; ${SUBSCRIBERS} subs × ${EPOCHS} epochs a pass)`, 50),
    latencyRow("epoch delivery latency p99 (ms)", 99),
    latencyRow("epoch delivery latency max (ms)", 100),
    fanOutRow("commit → first subscriber, median epoch (ms)", (e) => e.firstMs),
    fanOutRow("first → last subscriber, median epoch (ms)", (e) => e.lastMs - e.firstMs),
    stageRow("… of which created_at → publish (ms)", (e) => e.toPublishMs),
    stageRow("… of which publish → NOTIFY back at bus (ms)", (e) => e.toBusMs),
    stageRow("… of which bus → first subscriber (ms)", (e) => e.toFirstSubscriberMs),
    [
      "PROGRESS events per subscriber",
      ...tracked.map((t) => t.progressEventsPerSubscriber.toFixed(1)),
      median(tracked.map((t) => t.progressEventsPerSubscriber)).toFixed(1),
      "—",
    ],
    [
      "val accuracy after last epoch, bare / tracked",
      ...bare.map((t, i) => `${t.lastValAccuracy.toFixed(3)} / ${tracked[i].lastValAccuracy.toFixed(3)}`),
      "",
      "—",
    ],
  ];
  return rows.map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

/** Ctrl-C or SIGTERM: no graceful stop (training may be mid-batch), but no leftovers either. */
function cleanUpOnSignal(workDir: string): void {
  let isCleaningUp = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    // `on`, not `once`: a dependency's signal-exit re-raises the signal (killing the process before
    // the drop) when it finds no other listener left.
    process.on(signal, () => {
      if (isCleaningUp) return;
      isCleaningUp = true;
      log(`${signal}: dropping the scratch database and exiting …`);
      void dropScratchDatabases()
        .catch((error: unknown) => console.error(error))
        .finally(() => {
          rmSync(workDir, { recursive: true, force: true });
          process.exit(130);
        });
    });
  }
}

/** The passes, the table and the last line. */
async function measureAndReport(server: BenchServer, workDir: string, loadAtStart: number[]): Promise<void> {
  const fixture = await importFixture(server, workDir);
  const bare: Timing[] = [];
  const tracked: TrackedTiming[] = [];
  // Interleaved, bare first: machine-load drift hits both ways alike, and the first bare pass
  // pays this process's one-time warm-up the way every tracked run's fresh child does.
  for (let pass = 1; pass <= PASSES; pass++) {
    bare.push(await bareRun(server, fixture, workDir, pass));
    tracked.push(await trackedRun(server, fixture, pass));
    const backends = new Set([...bare, ...tracked].map((t) => t.backend));
    if (backends.size > 1) throw new Error(`bare and tracked used different backends: ${[...backends]}`);
  }
  const p99Ms = percentile(
    tracked.flatMap((t) => t.latenciesMs),
    99,
  );
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(" / ");
  console.log(
    `bench:events on ${os.cpus().length} cores, Node ${process.version}, backend ${bare[0].backend}; ` +
      `load avg (1/5/15 min) ${load(loadAtStart)} at start, ${load(os.loadavg())} at end; ` +
      `${((performance.now() - benchStartedMs) / 1000).toFixed(0)} s`,
  );
  console.log(formatTable(bare, tracked));
  console.log(
    `bench:events p99_ms=${p99Ms.toFixed(0)} overhead_pct=${overheadPct(bare, tracked).toFixed(1)}`,
  );
}

async function main(): Promise<void> {
  const loadAtStart = os.loadavg();
  const workDir = await mkdtemp(path.join(os.tmpdir(), "logolab-bench-events-"));
  cleanUpOnSignal(workDir);
  let server: BenchServer | undefined;
  try {
    log("starting LogoLab (scratch database, 1 worker, server) …");
    server = await startBenchServer(
      workDir,
      {
        LOGOLAB_WORKERS: "1",
        ...(process.env.LOGOLAB_ML_BACKEND ? { LOGOLAB_ML_BACKEND: process.env.LOGOLAB_ML_BACKEND } : {}),
      },
      { databaseName: "logolab_bench_events" },
    );
    await measureAndReport(server, workDir, loadAtStart);
  } finally {
    log("stopping; dropping the scratch database …");
    await server?.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().then(
  // pg-boss timers and websocket clients' linger would keep the process alive for a while.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

/**
 * bench:load — the whole server under load, over HTTP and websockets.
 *
 *   1. 64 concurrent `classifyImage` clients (one SERVICE key, server defaults, so the per-key rate
 *      limit answers RATE_LIMITED once the burst is spent) for BENCH_LOAD_MS (default 60 s): every
 *      answer must be a classification or RATE_LIMITED; p50/p99 of each.
 *   2. 200 graphql-ws subscribers to one training run (3 epochs): every subscriber must receive every
 *      epoch committed after its snapshot, and the final status.
 *   RSS of the process (server in-process) and the inference threads' tensors before and after.
 * Last line: `bench:load errors=<n> p99_ms=<x> missed_events=<m> rss_growth_mb=<r>`.
 *
 * Run: npm run bench:load (builds first; uses the shared PostgreSQL like the tests).
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startBenchServer, type BenchServer } from "./support/benchServer";
import { writeBenchImageFolder } from "./support/eventsImageFolder";
import { openSubscribers } from "./support/eventsSubscribers";
import { closedLoop, quantile } from "./support/serveLoad";

const LOAD_MS = Number(process.env.BENCH_LOAD_MS ?? 60_000);
const CLIENTS = 64;
const SUBSCRIBERS = 200;
const FOLLOWED_EPOCHS = 3;
const RUN = { architecture: "ALEXNET_LITE", imageSize: 96, batchSize: 8, augmentations: [] };
const CLASSIFY = `mutation($input: ClassifyImageInput!) { classifyImage(input: $input) { __typename } }`;

function log(message: string): void {
  process.stderr.write(`[bench:load] ${message}\n`);
}

async function waitForRun(server: BenchServer, runId: string): Promise<string> {
  for (;;) {
    const run = await server.registry.runs.get(runId);
    if (run && ["SUCCEEDED", "FAILED", "CANCELLED"].includes(run.status)) return run.status;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function startRun(server: BenchServer, experimentId: string, epochs: number): Promise<string> {
  const { startRun } = await server.gql<{ startRun: { id: string } }>(
    `mutation($input: StartRunInput!) { startRun(input: $input) { id } }`,
    { input: { experimentId, hyperparameters: { ...RUN, epochs } } },
  );
  return startRun.id;
}

const rssMb = () => process.memoryUsage().rss / 1024 / 1024;

async function main(): Promise<void> {
  const workDir = await mkdtemp(path.join(os.tmpdir(), "logolab-bench-load-"));
  const server = await startBenchServer(
    workDir,
    { LOGOLAB_WORKERS: "1", LOGOLAB_LOG_LEVEL: "silent" },
    { databaseName: "logolab_bench_load", logError: () => undefined },
  );
  try {
    const source = path.join(workDir, "shapes");
    await writeBenchImageFolder(source, { train: 12, val: 4, test: 4 });
    const { importDataset } = await server.gql<{ importDataset: { id: string } }>(
      `mutation($path: String!) { importDataset(input: { format: IMAGE_FOLDER, path: $path }) { id } }`,
      { path: source },
    );
    const { createExperiment } = await server.gql<{ createExperiment: { id: string } }>(
      `mutation($ds: ID!) { createExperiment(input: { name: "bench:load", datasetId: $ds }) { id } }`,
      { ds: importDataset.id },
    );
    log("training the served model (2 epochs) …");
    const modelRun = await startRun(server, createExperiment.id, 2);
    if ((await waitForRun(server, modelRun)) !== "SUCCEEDED") throw new Error("the model run failed");
    const testDir = path.join(source, "test");
    const images = readdirSync(testDir).flatMap((label) =>
      readdirSync(path.join(testDir, label)).map((file) =>
        readFileSync(path.join(testDir, label, file)).toString("base64"),
      ),
    );
    const classify = async (i: number) => {
      const response = await fetch(server.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${server.keys.service}` },
        body: JSON.stringify({
          query: CLASSIFY,
          variables: { input: { imageBase64: images[i % images.length], model: modelRun } },
        }),
      });
      return (await response.json()) as {
        data?: { classifyImage?: { __typename: string } };
        errors?: { message: string; extensions?: { code?: string } }[];
      };
    };
    for (let i = 0; i < 8; i++) await classify(i);
    const classifier = server.platform.serving.classifier;
    const before = { rssMb: rssMb(), tensors: classifier.stats().inferenceTensors };

    log(`${CLIENTS} classify clients for ${LOAD_MS / 1000} s …`);
    const servedMs: number[] = [];
    const limitedMs: number[] = [];
    const otherErrors: string[] = [];
    const sample = await closedLoop(CLIENTS, LOAD_MS, async (i) => {
      const sentAt = performance.now();
      const answer = await classify(i);
      const ms = performance.now() - sentAt;
      const code = answer.errors?.[0]?.extensions?.code;
      if (code === "RATE_LIMITED") limitedMs.push(ms);
      else if (answer.data?.classifyImage?.__typename === "Classification") servedMs.push(ms);
      else otherErrors.push(code ?? JSON.stringify(answer).slice(0, 200));
    });
    const errors = otherErrors.length + sample.errors;
    servedMs.sort((a, b) => a - b);
    limitedMs.sort((a, b) => a - b);

    log(`${SUBSCRIBERS} subscribers to a ${FOLLOWED_EPOCHS}-epoch run …`);
    const followedRun = await startRun(server, createExperiment.id, FOLLOWED_EPOCHS);
    const group = openSubscribers(server.graphqlUrl, server.keys.viewer, followedRun, SUBSCRIBERS);
    await group.ready;
    const logs = await group.finished;
    await group.close();
    let missedEvents = 0;
    for (const subscriber of logs) {
      const expected = FOLLOWED_EPOCHS - (subscriber.snapshotEpoch ?? 0);
      const received = new Set(subscriber.epochs.map((receipt) => receipt.epoch)).size;
      missedEvents += Math.max(0, expected - received) + (subscriber.finalStatus === "SUCCEEDED" ? 0 : 1);
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const after = { rssMb: rssMb(), tensors: classifier.stats().inferenceTensors };

    const seconds = sample.seconds;
    console.log(
      `bench:load on ${os.cpus().length} cores (load average ${os.loadavg()[0].toFixed(1)}), Node ${process.version}, AlexNet-lite 96 px, server defaults (rate ${server.config.classifyRatePerSecond}/s burst ${server.config.classifyBurst} per key, ${server.config.serveThreads} inference threads)`,
    );
    console.log("| phase | answers | per second | p50 ms | p99 ms |");
    console.log("| --- | --- | --- | --- | --- |");
    console.log(
      `| classify: Classification | ${servedMs.length} | ${(servedMs.length / seconds).toFixed(1)} | ${quantile(servedMs, 0.5).toFixed(1)} | ${quantile(servedMs, 0.99).toFixed(1)} |`,
    );
    console.log(
      `| classify: RATE_LIMITED | ${limitedMs.length} | ${(limitedMs.length / seconds).toFixed(1)} | ${quantile(limitedMs, 0.5).toFixed(1)} | ${quantile(limitedMs, 0.99).toFixed(1)} |`,
    );
    console.log(
      `| classify: other errors | ${errors} | | | |${otherErrors.length > 0 ? ` first: ${otherErrors[0]}` : ""}`,
    );
    console.log(
      `subscribers: ${logs.length} followed a ${FOLLOWED_EPOCHS}-epoch run, ${logs.filter((l) => l.finalStatus === "SUCCEEDED").length} saw SUCCEEDED, ${missedEvents} missed events`,
    );
    console.log(
      `RSS ${before.rssMb.toFixed(0)} → ${after.rssMb.toFixed(0)} MB; inference tensors ${before.tensors} → ${after.tensors}`,
    );
    console.log(
      `bench:load errors=${errors} p99_ms=${quantile(servedMs, 0.99).toFixed(1)} missed_events=${missedEvents} rss_growth_mb=${(after.rssMb - before.rssMb).toFixed(1)}`,
    );
  } finally {
    await server.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

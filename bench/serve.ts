/**
 * bench:serve — classifyImage serving on this machine.
 *
 * One run, one model (MobileNetV2 head on nsfwjs's backbone, trained here in seconds on cached
 * features, 128 px) and one request set (its held-out generated photos, ~320 px JPEG/PNG/WebP):
 *   0. bare forward per image at batch 1 / 4 / 8 / 16: `model.predict` and the compiled plan
 *      serving runs (src/ml/inferenceGraph.ts), tensor in, probabilities out, on the same
 *      preprocessed images, interleaved, on this thread — the ceiling any batching can reach here.
 *   1. bare forward: one image at a time, same preprocessing (probe, center crop, resize, /255) +
 *      the compiled plan — no queue, no cache, no batching, no worker. The overhead baseline.
 *   2. the Classifier in-process with its forward passes in the inference worker thread (as `serve`
 *      runs it by default), closed-loop load at concurrency 1, 8, 32 for PHASE_MS each, with
 *      micro-batching off (every request alone) and on (max batch 16, max delay 5 ms).
 *   3. inference threads: the Classifier (batching on) with 1 inference thread against
 *      BENCH_SERVE_THREADS (default: every core, as `serve` runs by default) at concurrency 32 —
 *      on wasm one forward pass uses one core, so more threads are the lever on CPU.
 *   4. the real HTTP server (`classifyImage` with a SERVICE key, scratch Postgres), when dist/ has it,
 *      against the in-process Classifier at concurrency 1 and 32.
 * Configurations compared with each other run in alternating slices (order reversed each round), so
 * the load of other processes on a shared machine drifts onto all of them alike.
 * Last line: `bench:serve batching_speedup=<on/off throughput at 32> overhead_pct=<c=1 p50 vs bare>
 * threads_speedup=<all threads / 1 thread throughput at 32>`.
 *
 * Run: npx tsc -p bench/serve.tsconfig.json && node dist/bench-serve/bench/serve.js
 * (the HTTP phase uses the build from `npm run build`).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../src/ml/backend";
import { loadCheckpoint } from "../src/ml/checkpoint";
import { renderEvaluationView, writeScaledPixels, type ImageSource } from "../src/ml/images";
import { Classifier } from "../src/serving/classifier";
import { forwardPass } from "../src/ml/inferenceEngine";
import { compileForInference } from "../src/ml/inferenceGraph";
import { interleavedLoad, type Contender, type LoadResult } from "./support/serveLoad";
import { httpUnavailableReason, startServeHttpTarget } from "./support/serveHttp";
import { trainBenchModel, type BenchModel } from "./support/serveModel";

const PHASE_MS = Number(process.env.BENCH_SERVE_PHASE_MS ?? 20_000);
const HTTP_PHASE_MS = Number(process.env.BENCH_SERVE_HTTP_PHASE_MS ?? 8_000);
const DECODE_CONCURRENCY = process.env.BENCH_SERVE_DECODE_CONCURRENCY
  ? Number(process.env.BENCH_SERVE_DECODE_CONCURRENCY)
  : undefined;
const CONCURRENCIES = [1, 8, 32];
const THREADS = Number(process.env.BENCH_SERVE_THREADS ?? os.availableParallelism());
const THREADS_CONCURRENCY = 32;
const WARM_UP_REQUESTS = 8;
const FORWARD_BATCH_SIZES = [1, 4, 8, 16];
/** Fewest interleaved rounds of the batch-size table, however short PHASE_MS is. */
const FORWARD_MIN_ROUNDS = 3;

const SLICES = 4;
const HTTP_SLICES = 2;

interface Row {
  path: string;
  batching: string;
  result: LoadResult;
  meanBatch?: number;
  versus: string;
}

function log(message: string): void {
  process.stderr.write(`[bench:serve] ${message}\n`);
}

/** Images as serving decodes them (evaluation view, /255), stacked as one `[N, s, s, 3]` batch. */
async function evaluationBatch(images: readonly ImageSource[], size: number): Promise<Float32Array> {
  const batch = new Float32Array(images.length * size * size * 3);
  for (const [i, image] of images.entries()) {
    writeScaledPixels(await renderEvaluationView(image, size), batch, i * size * size * 3);
  }
  return batch;
}

function ratio(value: number, base: number): string {
  return `${(value / base).toFixed(2)}×`;
}

/**
 * The overhead baseline: probe + center crop + resize + /255 + one forward pass of one image through
 * the same compiled plan serving uses, in this thread — no queue, cache, batching or worker.
 */
async function bareForward(
  model: BenchModel,
): Promise<{ contender: Contender; forwardMs: () => number; dispose(): void }> {
  const checkpoint = await loadCheckpoint(model.checkpointDir);
  const compiled = compileForInference(checkpoint.model);
  const size = model.imageSize;
  let forwardMsTotal = 0;
  let count = 0;
  const request = async (i: number) => {
    const pixels = await evaluationBatch([model.images[i % model.images.length]], size);
    const forwardAt = performance.now();
    forwardPass(compiled, pixels, 1, size);
    forwardMsTotal += performance.now() - forwardAt;
    count++;
  };
  for (let i = 0; i < WARM_UP_REQUESTS; i++) await request(i);
  [forwardMsTotal, count] = [0, 0];
  return {
    contender: { name: "bare", request },
    forwardMs: () => forwardMsTotal / count,
    dispose: () => {
      compiled.dispose();
      checkpoint.model.dispose();
    },
  };
}

/** Median ms per image of one bare forward pass at each batch size, per way of running the model. */
interface ForwardCost {
  /** `model.predict` of the layers model as loaded. */
  predictMs: Map<number, number>;
  /** The compiled plan serving runs (batch norms folded, activations fused). */
  compiledMs: Map<number, number>;
  rounds: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * One forward pass alone at batch 1 / 4 / 8 / 16 on the same preprocessed images, through
 * `model.predict` and through the compiled plan: every (size, way) once per round, order reversed
 * every other round, for PHASE_MS, so the machine's load drifts onto all of them alike.
 */
async function bareForwardCost(model: BenchModel): Promise<ForwardCost> {
  const checkpoint = await loadCheckpoint(model.checkpointDir);
  const compiled = compileForInference(checkpoint.model);
  const ways = { predict: checkpoint.model, compiled };
  const size = model.imageSize;
  const largest = Math.max(...FORWARD_BATCH_SIZES);
  const pixels = await evaluationBatch(model.images.slice(0, largest), size);
  const msPerImage = (way: keyof typeof ways, batchSize: number): number => {
    const startedAt = performance.now();
    forwardPass(ways[way], pixels.subarray(0, batchSize * size * size * 3), batchSize, size);
    return (performance.now() - startedAt) / batchSize;
  };
  const plan = FORWARD_BATCH_SIZES.flatMap((batchSize) =>
    (["predict", "compiled"] as const).map((way) => ({ way, batchSize })),
  );
  try {
    for (const { way, batchSize } of plan) msPerImage(way, batchSize); // warm-up
    const samples = new Map(plan.map(({ way, batchSize }) => [`${way}:${batchSize}`, [] as number[]]));
    const endsAt = performance.now() + PHASE_MS;
    let rounds = 0;
    for (; rounds < FORWARD_MIN_ROUNDS || performance.now() < endsAt; rounds++) {
      const order = rounds % 2 === 0 ? plan : [...plan].reverse();
      for (const { way, batchSize } of order)
        samples.get(`${way}:${batchSize}`)!.push(msPerImage(way, batchSize));
    }
    const medians = (way: keyof typeof ways) =>
      new Map(
        FORWARD_BATCH_SIZES.map((batchSize) => [batchSize, median(samples.get(`${way}:${batchSize}`)!)]),
      );
    return { predictMs: medians("predict"), compiledMs: medians("compiled"), rounds };
  } finally {
    compiled.dispose();
    checkpoint.model.dispose();
  }
}

function formatForwardTable(cost: ForwardCost): string {
  const base = cost.compiledMs.get(1)!;
  const lines = [
    [
      "batch",
      "model.predict ms/image",
      "compiled ms/image",
      "compiled vs model.predict",
      "compiled images/s vs batch 1",
    ],
    ["---", "---", "---", "---", "---"],
    ...FORWARD_BATCH_SIZES.map((batchSize) => {
      const [predict, compiled] = [cost.predictMs.get(batchSize)!, cost.compiledMs.get(batchSize)!];
      return [
        String(batchSize),
        predict.toFixed(1),
        compiled.toFixed(1),
        ratio(predict, compiled),
        ratio(base, compiled),
      ];
    }),
  ];
  return lines.map((line) => `| ${line.join(" | ")} |`).join("\n");
}

async function warmClassifier(
  model: BenchModel,
  isBatchingEnabled: boolean,
  inferenceThreads = 1,
): Promise<Classifier> {
  const classifier = new Classifier({
    isBatchingEnabled,
    decodeConcurrency: DECODE_CONCURRENCY,
    isInferenceThreadEnabled: true,
    inferenceThreads,
  });
  // Concurrent warm-up, so that every thread has run the model before measuring.
  for (let round = 0; round < 2; round++) {
    await Promise.all(
      Array.from({ length: WARM_UP_REQUESTS * inferenceThreads }, (_, i) =>
        classifier.classify(model.checkpointDir, model.images[i % model.images.length], 3),
      ),
    );
  }
  return classifier;
}

/** 1 inference thread against THREADS, batching on, at THREADS_CONCURRENCY, interleaved. */
async function threadRows(model: BenchModel): Promise<{ rows: Row[]; speedup: number } | string> {
  if (THREADS < 2) return `one core (BENCH_SERVE_THREADS=${THREADS}): nothing to compare`;
  const one = await warmClassifier(model, true, 1);
  const all = await warmClassifier(model, true, THREADS);
  try {
    const contenders = [classifierContender("1 thread", one, model), classifierContender("all", all, model)];
    log(
      `inference threads: 1 vs ${THREADS} at concurrency ${THREADS_CONCURRENCY}, ${PHASE_MS / 1000} s each in ${SLICES} interleaved slices …`,
    );
    const { value: results, meanBatches } = await withMeanBatch([one, all], () =>
      interleavedLoad(contenders, THREADS_CONCURRENCY, PHASE_MS, SLICES),
    );
    const [oneResult, allResult] = [results.get("1 thread")!, results.get("all")!];
    const path = "Classifier (in-process), batching on";
    return {
      speedup: allResult.requestsPerSecond / oneResult.requestsPerSecond,
      rows: [
        {
          path: `${path}, 1 inference thread`,
          batching: "on",
          result: oneResult,
          meanBatch: meanBatches[0],
          versus: "baseline for threads",
        },
        {
          path: `${path}, ${THREADS} inference threads`,
          batching: "on",
          result: allResult,
          meanBatch: meanBatches[1],
          versus: `${ratio(allResult.requestsPerSecond, oneResult.requestsPerSecond)} req/s, p99 ${ratio(allResult.p99Ms, oneResult.p99Ms)} vs 1 thread`,
        },
      ],
    };
  } finally {
    await one.close();
    await all.close();
  }
}

function classifierContender(name: string, classifier: Classifier, model: BenchModel): Contender {
  return {
    name,
    request: (i) => classifier.classify(model.checkpointDir, model.images[i % model.images.length], 3),
  };
}

/** Mean images per forward pass of `classifier` while `work` runs. */
async function withMeanBatch<T>(
  classifiers: Classifier[],
  work: () => Promise<T>,
): Promise<{ value: T; meanBatches: number[] }> {
  const before = classifiers.map((c) => c.stats());
  const value = await work();
  const meanBatches = classifiers.map((c, i) => {
    const after = c.stats();
    return (
      (after.classifiedImages - before[i].classifiedImages) / (after.forwardPasses - before[i].forwardPasses)
    );
  });
  return { value, meanBatches };
}

async function httpRows(model: BenchModel, on: Contender): Promise<Row[] | string> {
  const unavailable = httpUnavailableReason();
  if (unavailable !== undefined) return unavailable;
  let target: Awaited<ReturnType<typeof startServeHttpTarget>>;
  try {
    target = await startServeHttpTarget(model);
  } catch (error) {
    return `the server did not start: ${error instanceof Error ? error.message : String(error)}`;
  }
  const bodies = model.images.map((image) => image.toString("base64"));
  const http: Contender = { name: "http", request: (i) => target.classify(bodies[i % bodies.length]) };
  const rows: Row[] = [];
  try {
    for (let i = 0; i < WARM_UP_REQUESTS; i++) await http.request(i);
    for (const concurrency of [1, 32]) {
      log(`HTTP classifyImage vs in-process, concurrency ${concurrency}, ${HTTP_PHASE_MS / 1000} s each …`);
      const results = await interleavedLoad([on, http], concurrency, HTTP_PHASE_MS, HTTP_SLICES);
      const [result, base] = [results.get("http")!, results.get(on.name)!];
      rows.push({
        path: "HTTP classifyImage (server defaults)",
        batching: "on",
        result,
        versus: `${ratio(result.requestsPerSecond, base.requestsPerSecond)} req/s, p50 ${ratio(result.p50Ms, base.p50Ms)} vs in-process on (interleaved: ${base.requestsPerSecond.toFixed(1)} req/s, p50 ${base.p50Ms.toFixed(1)} ms)`,
      });
    }
  } catch (error) {
    return `the HTTP phase failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await target.stop();
  }
  return rows;
}

function formatTable(rows: Row[]): string {
  const header = [
    "path",
    "batching",
    "concurrency",
    "req/s",
    "p50 ms",
    "p99 ms",
    "mean batch",
    "vs baseline",
  ];
  const cells = rows.map((row) => [
    row.path,
    row.batching,
    String(row.result.concurrency),
    row.result.requestsPerSecond.toFixed(1),
    row.result.p50Ms.toFixed(1),
    row.result.p99Ms.toFixed(1),
    row.meanBatch === undefined ? "–" : row.meanBatch.toFixed(1),
    row.versus,
  ]);
  return [header, header.map(() => "---"), ...cells].map((line) => `| ${line.join(" | ")} |`).join("\n");
}

async function classifierRows(model: BenchModel): Promise<{
  rows: Row[];
  off: Map<number, LoadResult>;
  on: Map<number, LoadResult>;
  bare: LoadResult;
  forwardMs: number;
  onContender: Contender;
  close(): Promise<void>;
}> {
  const bare = await bareForward(model);
  const [offClassifier, onClassifier] = [
    await warmClassifier(model, false),
    await warmClassifier(model, true),
  ];
  const offContender = classifierContender("off", offClassifier, model);
  const onContender = classifierContender("on", onClassifier, model);
  const rows: Row[] = [];
  const off = new Map<number, LoadResult>();
  const on = new Map<number, LoadResult>();
  let bareResult: LoadResult | undefined;
  for (const concurrency of CONCURRENCIES) {
    const contenders =
      concurrency === 1 ? [bare.contender, offContender, onContender] : [offContender, onContender];
    log(
      `concurrency ${concurrency}: ${contenders.map((c) => c.name).join(", ")}, ${PHASE_MS / 1000} s each in ${SLICES} interleaved slices …`,
    );
    const { value: results, meanBatches } = await withMeanBatch([offClassifier, onClassifier], () =>
      interleavedLoad(contenders, concurrency, PHASE_MS, SLICES),
    );
    const [offResult, onResult] = [results.get("off")!, results.get("on")!];
    off.set(concurrency, offResult);
    on.set(concurrency, onResult);
    if (concurrency === 1) {
      bareResult = results.get("bare")!;
      rows.push({
        path: "bare forward (same preprocessing)",
        batching: "–",
        result: bareResult,
        versus: "overhead baseline",
      });
    }
    rows.push({
      path: "Classifier (in-process, inference thread)",
      batching: "off",
      result: offResult,
      meanBatch: meanBatches[0],
      versus:
        concurrency === 1
          ? `p50 ${ratio(offResult.p50Ms, bareResult!.p50Ms)} vs bare forward`
          : "baseline for batching on",
    });
    rows.push({
      path: "Classifier (in-process, inference thread)",
      batching: "on",
      result: onResult,
      meanBatch: meanBatches[1],
      versus:
        `${ratio(onResult.requestsPerSecond, offResult.requestsPerSecond)} req/s, p99 ${ratio(onResult.p99Ms, offResult.p99Ms)} vs batching off` +
        (concurrency === 1 ? `; p50 ${ratio(onResult.p50Ms, bareResult!.p50Ms)} vs bare forward` : ""),
    });
  }
  return {
    rows,
    off,
    on,
    bare: bareResult!,
    forwardMs: bare.forwardMs(),
    onContender,
    async close() {
      bare.dispose();
      await offClassifier.close();
      await onClassifier.close();
    },
  };
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  const backend = await selectBackend("auto");
  const directory = await mkdtemp(path.join(os.tmpdir(), "logolab-bench-serve-"));
  try {
    log(`training the MobileNetV2 head in ${directory} …`);
    const model = await trainBenchModel(directory);
    log(
      `model ready in ${model.trainSeconds.toFixed(0)} s (val acc ${(model.valAccuracy * 100).toFixed(0)} %), ${model.images.length} request images`,
    );
    log(`bare forward at batch ${FORWARD_BATCH_SIZES.join(" / ")}, interleaved, ${PHASE_MS / 1000} s …`);
    const forwardCost = await bareForwardCost(model);
    const measured = await classifierRows(model);
    const { rows, off, on, bare } = measured;
    const http = await httpRows(model, measured.onContender);
    await measured.close();
    const threads = await threadRows(model);
    if (typeof threads !== "string") rows.push(...threads.rows);
    if (typeof http !== "string") rows.push(...http);
    const threadsSpeedup = typeof threads === "string" ? 1 : threads.speedup;
    const speedup = on.get(32)!.requestsPerSecond / off.get(32)!.requestsPerSecond;
    const overheadPct = (on.get(1)!.p50Ms / bare.p50Ms - 1) * 100;
    console.log(
      `bench:serve on ${os.cpus().length} cores (load average ${os.loadavg()[0].toFixed(1)}), Node ${process.version}, tfjs ${tf.version.tfjs} (${backend.backend}), MobileNetV2 head ${model.imageSize} px, ${model.images.length} images, ${PHASE_MS / 1000} s per configuration in ${SLICES} interleaved slices, decodeConcurrency ${DECODE_CONCURRENCY ?? "default (max batch)"}, ${((performance.now() - startedAt) / 1000).toFixed(0)} s total`,
    );
    console.log(
      `bare forward, ms per image at batch ${FORWARD_BATCH_SIZES.join(" / ")} (the same preprocessed images, this thread, model.predict vs the compiled plan serving runs, ${forwardCost.rounds} interleaved rounds) — the ceiling batching can reach on this backend:`,
    );
    console.log(formatForwardTable(forwardCost));
    console.log(
      "Classifier rows: forward passes in the inference worker thread (as `serve` runs by default).",
    );
    console.log(formatTable(rows));
    console.log(
      `bare forward: ${bare.p50Ms.toFixed(1)} ms p50 per image, of which model.predict ${measured.forwardMs.toFixed(1)} ms (mean)`,
    );
    console.log(
      `targets: batching ≥ 1.5× throughput at concurrency 32 with p99 no worse (${speedup.toFixed(2)}×, p99 ${ratio(on.get(32)!.p99Ms, off.get(32)!.p99Ms)}); overhead ≤ 25 % (${overheadPct.toFixed(1)} %)`,
    );
    if (typeof threads === "string") console.log(`inference threads: not compared — ${threads}`);
    else {
      const [oneRow, allRow] = threads.rows;
      console.log(
        `target: ${THREADS} inference threads ≥ 1.6× the throughput of 1 at concurrency ${THREADS_CONCURRENCY} with p99 no worse (${threadsSpeedup.toFixed(2)}×, p99 ${ratio(allRow.result.p99Ms, oneRow.result.p99Ms)})`,
      );
    }
    if (typeof http === "string") console.log(`HTTP classifyImage: not measured — ${http}`);
    console.log(
      `bench:serve batching_speedup=${speedup.toFixed(2)} overhead_pct=${overheadPct.toFixed(1)} threads_speedup=${threadsSpeedup.toFixed(2)}`,
    );
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

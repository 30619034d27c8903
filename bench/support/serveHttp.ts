/**
 * bench:serve through the real HTTP server: LogoLab as `npm run build` emits it into dist/, started
 * by bench/support/benchServer.ts on a scratch Postgres database without training workers, the
 * bench model registered as a finished run, requests with a SERVICE key.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Registry } from "../../src/experiments/registry";
import type { EpochMetrics } from "../../src/ml/checkpoint";
import type { BenchModel } from "./serveModel";

/** dist/ of the repository (this file runs from dist/bench-serve/bench/support/). */
const BUILD_DIR = path.resolve(__dirname, "..", "..", "..");

/** Why the HTTP phase cannot run against this build, or undefined when it can. */
export function httpUnavailableReason(): string | undefined {
  const needed = [
    "server.js",
    "resolvers/classification.js",
    "serving/modelServing.js",
    "serving/classifier.js",
  ];
  const missing = needed.filter((file) => !existsSync(path.join(BUILD_DIR, file)));
  if (missing.length > 0) return `dist/ lacks ${missing.join(", ")} (run \`npm run build\`)`;
  return undefined;
}

/** A running server serving the bench model as a run; `classify` POSTs one classifyImage. */
export interface ServeHttpTarget {
  classify(imageBase64: string): Promise<void>;
  stop(): Promise<void>;
}

const CLASSIFY = `mutation($input: ClassifyImageInput!) {
  classifyImage(input: $input) {
    __typename
    ... on Classification { label probability modelVersion }
    ... on InvalidImageError { message }
    ... on ModelNotFoundError { message }
  }
}`;

async function registerRun(registry: Registry, model: BenchModel): Promise<string> {
  const dataset = await registry.datasets.register({
    name: `bench-serve-${process.pid}`,
    format: "IMAGE_FOLDER",
    status: "READY",
    rootPath: path.dirname(model.checkpointDir),
    classes: model.labels,
  });
  const experiment = await registry.experiments.create({ name: "bench:serve", datasetId: dataset.id });
  const { withDefaults } = await import("./builtModules.js");
  const hyperparameters = withDefaults({
    architecture: "MOBILENET_V2",
    pretrained: true,
    trainableLayers: "HEAD",
    optimizer: "ADAM",
    learningRate: 0.003,
    batchSize: 16,
    imageSize: model.imageSize,
    epochs: 1,
    seed: 1,
  });
  const run = await registry.runLifecycle.createQueued(experiment.id, hyperparameters);
  const epoch = {
    epoch: 1,
    loss: 0,
    trainAccuracy: 0,
    valAccuracy: model.valAccuracy,
    testAccuracy: null,
    valMacroF1: 0,
    majorityBaselineAccuracy: 0,
    durationMs: 0,
    perClass: [],
    confusionMatrix: { labels: model.labels, counts: [] },
  };
  const metrics: EpochMetrics = { ...epoch, testAccuracy: undefined, imagesPerSecond: 0 };
  await registry.runLifecycle.recordEpoch(run.id, epoch, {
    path: model.checkpointDir,
    bytes: model.weightsBytes,
    sha256: model.weightsSha256,
    metrics,
  });
  await registry.runLifecycle.finish(run.id, "SUCCEEDED", null, null);
  return run.id;
}

/**
 * Starts server + job runtime (no training workers) on a scratch database with the serving
 * defaults (batch 16, delay 5 ms) and a per-key rate limit high enough not to throttle the bench.
 */
export async function startServeHttpTarget(model: BenchModel): Promise<ServeHttpTarget> {
  // Loaded here, not at the top: the build's modules load when the HTTP phase runs, after the check above.
  const { startBenchServer } = await import("./benchServer.js");
  const workDir = mkdtempSync(path.join(os.tmpdir(), "logolab-bench-serve-home-"));
  const removeWorkDir = () => rmSync(workDir, { recursive: true, force: true });
  let server: Awaited<ReturnType<typeof startBenchServer>>;
  try {
    server = await startBenchServer(
      workDir,
      {
        LOGOLAB_WORKERS: "0",
        LOGOLAB_CLASSIFY_RATE: "100000",
        LOGOLAB_CLASSIFY_BURST: "100000",
        // One inference thread, like the in-process Classifier it is compared with.
        LOGOLAB_SERVE_THREADS: "1",
        LOGOLAB_LOG_LEVEL: "silent",
      },
      { databaseName: "logolab_bench_serve", logError: () => undefined },
    );
  } catch (error) {
    removeWorkDir();
    throw error;
  }
  const stop = async () => {
    try {
      await server.stop();
    } finally {
      removeWorkDir();
    }
  };
  let runId: string;
  try {
    runId = await registerRun(server.registry, model);
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    async classify(imageBase64) {
      const response = await fetch(server.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${server.keys.service}` },
        body: JSON.stringify({
          query: CLASSIFY,
          variables: { input: { imageBase64, model: runId, topK: 3 } },
        }),
      });
      const body = (await response.json()) as {
        data?: { classifyImage?: { __typename: string; message?: string } };
        errors?: unknown[];
      };
      const result = body.data?.classifyImage;
      if (result?.__typename !== "Classification") {
        throw new Error(`classifyImage failed: ${JSON.stringify(result ?? body.errors)}`);
      }
    },
    stop,
  };
}

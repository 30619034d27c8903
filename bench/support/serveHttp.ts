/**
 * bench:serve through the real HTTP server: LogoLab as `npm run build` emits it into dist/ (like
 * bench/support/eventsBuild.ts; the build's modules find prisma/migrations and package.json
 * relative to dist/), on a scratch Postgres database, with a SERVICE key. The modules are typed
 * here by the few members the bench uses, so the bench compiles whatever state the server code is in.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createScratchDatabase } from "../../test/support/scratchDatabase";
import type { BenchModel } from "./serveModel";

/** dist/ of the repository (this file runs from dist/bench-serve/bench/support/). */
const BUILD_DIR = path.resolve(__dirname, "..", "..", "..");

type Config = { mlBackend: string } & Record<string, unknown>;
interface Database {
  prisma: unknown;
  close(): Promise<void>;
}
interface Registry {
  apiKeys: { create(role: string, name: string): Promise<{ secret: string }> };
  datasets: { register(input: Record<string, unknown>): Promise<{ id: string }> };
  experiments: { create(input: { name: string; datasetId: string }): Promise<{ id: string }> };
  runLifecycle: {
    createQueued(
      experimentId: string,
      typed: Record<string, unknown>,
      json: unknown,
    ): Promise<{ id: string }>;
    recordEpoch(
      runId: string,
      epoch: Record<string, unknown>,
      best: Record<string, unknown>,
    ): Promise<boolean>;
    finish(runId: string, status: string, error: null, workerId: null): Promise<boolean>;
  };
}
interface BuiltModules {
  loadConfig(env: Record<string, string>): Config;
  openDatabase(config: Config): Promise<Database>;
  createRegistry(prisma: unknown): Registry;
  selectBackend(preference: string): Promise<unknown>;
  activeBackend(): string;
  startJobRuntime(
    config: Config,
    database: Database,
    registry: Registry,
    options: { workerCount: number },
  ): Promise<{ jobs: unknown; stop(): Promise<void> }>;
  startServer(options: Record<string, unknown>): Promise<{ url: string; stop(): Promise<void> }>;
}

/** Why the HTTP phase cannot run against this build, or undefined when it can. */
export function httpUnavailableReason(): string | undefined {
  const needed = ["server.js", "resolvers/classification.js", "jobs/modelServing.js", "ml/classifier.js"];
  const missing = needed.filter((file) => !existsSync(path.join(BUILD_DIR, file)));
  if (missing.length > 0) return `dist/ lacks ${missing.join(", ")} (run \`npm run build\`)`;
  return undefined;
}

function builtModules(): BuiltModules {
  const load = (modulePath: string) =>
    require(path.join(BUILD_DIR, `${modulePath}.js`)) as Record<string, unknown>;
  return {
    ...load("config"),
    ...load("db/database"),
    ...load("experiments/registry"),
    ...load("ml/backend"),
    ...load("jobs/runtime"),
    ...load("server"),
  } as unknown as BuiltModules;
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
  const typed = {
    architecture: "MOBILENET_V2",
    pretrained: true,
    optimizer: "ADAM",
    learningRate: 0.003,
    batchSize: 16,
    imageSize: model.imageSize,
    epochs: 1,
    lossWeighting: "NONE",
    seed: 1,
  };
  const run = await registry.runLifecycle.createQueued(experiment.id, typed, typed);
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
  await registry.runLifecycle.recordEpoch(run.id, epoch, {
    path: model.checkpointDir,
    bytes: model.weightsBytes,
    sha256: model.weightsSha256,
    metrics: {},
  });
  await registry.runLifecycle.finish(run.id, "SUCCEEDED", null, null);
  return run.id;
}

/**
 * Starts server + job runtime (no training workers) on a scratch database with the serving
 * defaults (batch 16, delay 5 ms) and a per-key rate limit high enough not to throttle the bench.
 */
export async function startServeHttpTarget(model: BenchModel): Promise<ServeHttpTarget> {
  const built = builtModules();
  const scratch = await createScratchDatabase("logolab_bench_serve");
  const home = mkdtempSync(path.join(os.tmpdir(), "logolab-bench-serve-home-"));
  const config = built.loadConfig({
    DATABASE_URL: scratch.url,
    PORT: "0",
    LOGOLAB_HOME: home,
    LOGOLAB_DEFAULT_DATASET: "false",
    LOGOLAB_WORKERS: "0",
    LOGOLAB_CLASSIFY_RATE: "100000",
    LOGOLAB_CLASSIFY_BURST: "100000",
  });
  let database: Database | undefined;
  let runtime: { jobs: unknown; stop(): Promise<void> } | undefined;
  let server: { url: string; stop(): Promise<void> } | undefined;
  const stop = async () => {
    try {
      await server?.stop();
      await runtime?.stop();
      await database?.close();
    } finally {
      await scratch.drop();
      rmSync(home, { recursive: true, force: true });
    }
  };
  try {
    database = await built.openDatabase(config);
    const registry = built.createRegistry(database.prisma);
    const { secret } = await registry.apiKeys.create("SERVICE", "bench:serve");
    const runId = await registerRun(registry, model);
    await built.selectBackend(config.mlBackend);
    runtime = await built.startJobRuntime(config, database, registry, { workerCount: 0 });
    server = await built.startServer({
      config,
      database,
      registry,
      jobs: runtime.jobs,
      mlBackend: built.activeBackend,
      logError: () => undefined,
    });
    const graphqlUrl = `${server.url}/graphql`;
    return {
      async classify(imageBase64) {
        const response = await fetch(graphqlUrl, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
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
  } catch (error) {
    await stop();
    throw error;
  }
}

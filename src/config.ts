import os from "node:os";
import path from "node:path";

/** Which TensorFlow.js backend to use; `auto` tries tensorflow-gpu → tensorflow → wasm → cpu. */
export type MlBackendPreference = "auto" | "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";

/** Everything LogoLab reads from the environment, typed and defaulted. Nothing else reads `process.env`. */
export interface Config {
  /** HTTP port of the API server (`PORT`). */
  port: number;
  /** Interface the API server binds (`HOST`). */
  host: string;
  /** External PostgreSQL URL (`DATABASE_URL`); undefined = embedded PGlite under `home/db`. */
  databaseUrl: string | undefined;
  /** Root for the embedded database, artifacts and caches (`LOGOLAB_HOME`). */
  home: string;
  /** Embedded PGlite data directory. */
  embeddedDbDir: string;
  /** Checkpoints and other run outputs (`LOGOLAB_ARTIFACTS_DIR`). */
  artifactsDir: string;
  /** Decoded weights, feature caches (`LOGOLAB_CACHE_DIR`). */
  cacheDir: string;
  /** Managed dataset copies (`LOGOLAB_DATASETS_DIR`). */
  datasetsDir: string;
  /** ML backend preference (`LOGOLAB_ML_BACKEND`). */
  mlBackend: MlBackendPreference;
  /** In-process training workers started by `serve` (`LOGOLAB_WORKERS`, 0 = API only). */
  workers: number;
  /** Whether GraphQL introspection is allowed (`LOGOLAB_INTROSPECTION`). */
  isIntrospectionEnabled: boolean;
  /** Largest accepted HTTP request body in bytes (`LOGOLAB_MAX_BODY_BYTES`). */
  maxBodyBytes: number;
  /** Deepest selection nesting accepted (`LOGOLAB_MAX_QUERY_DEPTH`). */
  maxQueryDepth: number;
  /** Largest estimated query cost accepted (`LOGOLAB_MAX_QUERY_COST`). */
  maxQueryCost: number;
  /** Most field aliases accepted in one operation (`LOGOLAB_MAX_ALIASES`). */
  maxAliases: number;
  /** Pool size of the PostgreSQL connection pool (`LOGOLAB_DB_POOL_SIZE`). */
  dbPoolSize: number;
  /**
   * Directories `importDataset` may read from (`LOGOLAB_IMPORT_ROOTS`, colon-separated);
   * empty = any directory the server can read.
   */
  importRoots: string[];
  /** How often a training worker stamps its run, ms (`LOGOLAB_HEARTBEAT_MS`). */
  heartbeatMs: number;
  /** A running run not stamped for this long is taken back from its worker, ms (`LOGOLAB_STALE_RUN_MS`). */
  staleRunMs: number;
  /** Attempts a run gets when its workers die (`LOGOLAB_RUN_MAX_ATTEMPTS`). */
  runMaxAttempts: number;
  /** `classifyImage` requests each API key may make per second, sustained (`LOGOLAB_CLASSIFY_RATE`). */
  classifyRatePerSecond: number;
  /** Requests a key may make at once above the sustained rate (`LOGOLAB_CLASSIFY_BURST`). */
  classifyBurst: number;
  /** Largest micro-batch of the inference engine (`LOGOLAB_SERVE_MAX_BATCH`). */
  serveMaxBatch: number;
  /** Longest a request waits for others to batch with, ms (`LOGOLAB_SERVE_MAX_DELAY_MS`). */
  serveMaxDelayMs: number;
  /** Requests waiting for inference before new ones are refused (`LOGOLAB_SERVE_MAX_QUEUE`). */
  serveMaxQueue: number;
  /** Bytes of model weights kept loaded (`LOGOLAB_SERVE_CACHE_MB`, in MiB). */
  serveCacheBytes: number;
  /**
   * Whether inference forward passes run in a worker thread instead of the API's event loop
   * (`LOGOLAB_SERVE_INFERENCE_THREAD`; on by default).
   */
  isInferenceThreadEnabled: boolean;
  /**
   * Inference threads serving forward passes at once (`LOGOLAB_SERVE_THREADS`; default: the
   * machine's cores): each holds every served model, the micro-batcher feeds the least busy one.
   */
  serveThreads: number;
  /** Whether `classifyImage` may fetch `imageUrl` (`LOGOLAB_IMAGE_URL_ENABLED`; off by default). */
  isImageUrlEnabled: boolean;
  /** Largest image fetched from a URL in bytes (`LOGOLAB_IMAGE_URL_MAX_BYTES`). */
  imageUrlMaxBytes: number;
  /** Time limit of an image fetch, ms (`LOGOLAB_IMAGE_URL_TIMEOUT_MS`). */
  imageUrlTimeoutMs: number;
  /** Generate the default SynthLogos-32 dataset when the registry is empty (`LOGOLAB_DEFAULT_DATASET`). */
  isDefaultDatasetEnabled: boolean;
  /**
   * Longest a stop on SIGTERM/SIGINT may take, ms (`LOGOLAB_SHUTDOWN_TIMEOUT_MS`); past it the
   * process logs what is still open and exits non-zero. Draining HTTP requests and websockets gets
   * 40 % of it, a training run reaching the end of its batch 40 % (then its child is ended).
   */
  shutdownTimeoutMs: number;
  /** Least severe log level written (`LOGOLAB_LOG_LEVEL`: fatal, error, warn, info, debug, trace, silent). */
  logLevel: LogLevel;
  /**
   * Port of `logolab worker`'s own `/metrics` and `/healthz` listener (`LOGOLAB_METRICS_PORT`;
   * unset = none). `serve` exports its metrics on its API port.
   */
  metricsPort: number | undefined;
}

/** Levels of `LOGOLAB_LOG_LEVEL`. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

function readLogLevel(env: Env): LogLevel {
  const raw = (env.LOGOLAB_LOG_LEVEL || "info").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new Error(`LOGOLAB_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(raw)}`);
  }
  return raw as LogLevel;
}

type Env = Record<string, string | undefined>;

function readInt(env: Env, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function readBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw.toLowerCase())) return true;
  if (["0", "false", "no", "off"].includes(raw.toLowerCase())) return false;
  throw new Error(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

const ML_BACKENDS: readonly MlBackendPreference[] = ["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"];

function readMlBackend(env: Env): MlBackendPreference {
  const raw = (env.LOGOLAB_ML_BACKEND ?? "auto").toLowerCase();
  if (!(ML_BACKENDS as readonly string[]).includes(raw)) {
    throw new Error(
      `LOGOLAB_ML_BACKEND must be one of ${ML_BACKENDS.join(", ")}, got ${JSON.stringify(raw)}`,
    );
  }
  return raw as MlBackendPreference;
}

/** Builds the configuration from an environment (default: this process's); throws on malformed values. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const home = path.resolve(cwd, env.LOGOLAB_HOME || ".logolab");
  return {
    port: readInt(env, "PORT", 4000, 0),
    host: env.HOST || "127.0.0.1",
    databaseUrl: env.DATABASE_URL || undefined,
    home,
    embeddedDbDir: path.join(home, "db"),
    artifactsDir: path.resolve(home, env.LOGOLAB_ARTIFACTS_DIR || "artifacts"),
    cacheDir: path.resolve(home, env.LOGOLAB_CACHE_DIR || "cache"),
    datasetsDir: path.resolve(home, env.LOGOLAB_DATASETS_DIR || "datasets"),
    mlBackend: readMlBackend(env),
    workers: readInt(env, "LOGOLAB_WORKERS", 1, 0),
    isIntrospectionEnabled: readBool(env, "LOGOLAB_INTROSPECTION", true),
    maxBodyBytes: readInt(env, "LOGOLAB_MAX_BODY_BYTES", 4 * 1024 * 1024, 1024),
    maxQueryDepth: readInt(env, "LOGOLAB_MAX_QUERY_DEPTH", 12, 2),
    maxQueryCost: readInt(env, "LOGOLAB_MAX_QUERY_COST", 5000, 10),
    maxAliases: readInt(env, "LOGOLAB_MAX_ALIASES", 30, 1),
    dbPoolSize: readInt(env, "LOGOLAB_DB_POOL_SIZE", 10, 1),
    importRoots: (env.LOGOLAB_IMPORT_ROOTS ?? "")
      .split(":")
      .filter((dir) => dir.length > 0)
      .map((dir) => path.resolve(cwd, dir)),
    isDefaultDatasetEnabled: readBool(env, "LOGOLAB_DEFAULT_DATASET", true),
    heartbeatMs: readInt(env, "LOGOLAB_HEARTBEAT_MS", 2_000, 100),
    classifyRatePerSecond: readInt(env, "LOGOLAB_CLASSIFY_RATE", 50, 1),
    classifyBurst: readInt(env, "LOGOLAB_CLASSIFY_BURST", 100, 1),
    serveMaxBatch: readInt(env, "LOGOLAB_SERVE_MAX_BATCH", 16, 1),
    serveMaxDelayMs: readInt(env, "LOGOLAB_SERVE_MAX_DELAY_MS", 5, 0),
    serveMaxQueue: readInt(env, "LOGOLAB_SERVE_MAX_QUEUE", 256, 1),
    serveCacheBytes: readInt(env, "LOGOLAB_SERVE_CACHE_MB", 512, 1) * 1024 * 1024,
    isInferenceThreadEnabled: readBool(env, "LOGOLAB_SERVE_INFERENCE_THREAD", true),
    serveThreads: readInt(env, "LOGOLAB_SERVE_THREADS", os.availableParallelism(), 1),
    isImageUrlEnabled: readBool(env, "LOGOLAB_IMAGE_URL_ENABLED", false),
    imageUrlMaxBytes: readInt(env, "LOGOLAB_IMAGE_URL_MAX_BYTES", 10 * 1024 * 1024, 1024),
    imageUrlTimeoutMs: readInt(env, "LOGOLAB_IMAGE_URL_TIMEOUT_MS", 5_000, 100),
    staleRunMs: readInt(env, "LOGOLAB_STALE_RUN_MS", 30_000, 500),
    runMaxAttempts: readInt(env, "LOGOLAB_RUN_MAX_ATTEMPTS", 3, 1),
    shutdownTimeoutMs: readInt(env, "LOGOLAB_SHUTDOWN_TIMEOUT_MS", 20_000, 100),
    logLevel: readLogLevel(env),
    metricsPort: env.LOGOLAB_METRICS_PORT ? readInt(env, "LOGOLAB_METRICS_PORT", 0, 0) : undefined,
  };
}

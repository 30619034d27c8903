import type { DatabaseKind } from "../db/database";
import type { Registry } from "../experiments/registry";
import type { Jobs } from "../jobs";
import type { Principal } from "./auth";
import { createLoaders, type Loaders } from "./dataloaders";
import type { TokenBucketLimiter } from "./rateLimit";

/** Facts about the running server that `health` reports. */
export interface ServerInfo {
  version: string;
  database: DatabaseKind;
  /** Active TensorFlow.js backend name. */
  mlBackend(): string;
}

/** Per-key request limits shared by all requests of this process. */
export interface RequestLimits {
  classify: TokenBucketLimiter;
}

/** What every resolver receives. */
export interface Context {
  principal: Principal | null;
  registry: Registry;
  /** Long-running work: dataset preparation (and, later, training). */
  jobs: Jobs;
  loaders: Loaders;
  limits: RequestLimits;
  server: ServerInfo;
}

/** A fresh context (fresh dataloaders) for one HTTP request or one subscription. */
export function createContext(
  principal: Principal | null,
  registry: Registry,
  jobs: Jobs,
  limits: RequestLimits,
  server: ServerInfo,
): Context {
  return { principal, registry, jobs, loaders: createLoaders(registry), limits, server };
}

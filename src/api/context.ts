import type { Registry } from "../experiments/registry";
import type { EventBus } from "../jobs/events";
import type { RunLauncher } from "../jobs/runLauncher";
import type { StorageDeletion } from "../jobs/storageDeletion";
import type { SweepLauncher } from "../jobs/sweepLauncher";
import type { DatasetPreparation } from "../preparation/datasetPreparation";
import type { ModelEvaluator } from "../serving/modelEvaluation";
import type { ModelServing } from "../serving/modelServing";
import type { DatabaseKind } from "../vocabulary";
import type { Principal } from "./auth";
import { createLoaders, type Loaders } from "./dataloaders";

/** Facts about the running server that `health` reports. */
export interface ServerInfo {
  version: string;
  database: DatabaseKind;
  /** Active TensorFlow.js backend name. */
  mlBackend(): string;
  /** Resolves when the database answers a trivial query; rejects when it does not. */
  checkDatabase(): Promise<void>;
}

/** The services resolvers call beyond the registry's reads, wired once per process. */
export interface Services {
  /** Dataset imports and synthetic generation. */
  preparation: DatasetPreparation;
  /** Starting and cancelling training runs. */
  runs: RunLauncher;
  /** Starting and cancelling sweeps. */
  sweeps: SweepLauncher;
  /** Deleting runs, experiments and datasets with the storage they used. */
  deletion: StorageDeletion;
  /** `classifyImage`, with its rate limits. */
  serving: ModelServing;
  /** `evaluateModel`: a model scored on a dataset split through the serving path. */
  evaluations: ModelEvaluator;
  /** Run events, which `runProgress` follows. */
  bus: EventBus;
}

/** What every resolver receives. */
export interface Context {
  principal: Principal | null;
  registry: Registry;
  services: Services;
  loaders: Loaders;
  server: ServerInfo;
}

/** A fresh context (fresh dataloaders) for one HTTP request or one subscription. */
export function createContext(
  principal: Principal | null,
  registry: Registry,
  services: Services,
  server: ServerInfo,
): Context {
  return { principal, registry, services, loaders: createLoaders(registry), server };
}

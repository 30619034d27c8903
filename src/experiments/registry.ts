import type { PrismaClient } from "../db/prismaClient";
import { AnnotationService } from "./annotations";
import { ApiKeyService } from "./apiKeys";
import { RunComparisonService } from "./comparisons";
import { DatasetRegistry } from "./datasets";
import { DeletionService } from "./deletion";
import { EvaluationService } from "./evaluations";
import { ExperimentService } from "./experiments";
import { LeaderboardService } from "./leaderboards";
import { ModelAliasService } from "./modelAliases";
import { RunLifecycle } from "./runLifecycle";
import { RunService } from "./runs";
import { SweepService } from "./sweeps";

/** Every domain service over one database. */
export interface Registry {
  datasets: DatasetRegistry;
  evaluations: EvaluationService;
  experiments: ExperimentService;
  runs: RunService;
  runLifecycle: RunLifecycle;
  /** Tags and notes on runs and experiments. */
  annotations: AnnotationService;
  /** `compareRuns`. */
  comparisons: RunComparisonService;
  leaderboards: LeaderboardService;
  sweeps: SweepService;
  /** Row deletion behind `deleteRun` / `deleteExperiment` / `deleteDataset` (files: jobs/storageDeletion.ts). */
  deletion: DeletionService;
  modelAliases: ModelAliasService;
  apiKeys: ApiKeyService;
}

/** Builds the domain services over a Prisma client. */
export function createRegistry(prisma: PrismaClient): Registry {
  const runs = new RunService(prisma);
  const evaluations = new EvaluationService(prisma);
  return {
    datasets: new DatasetRegistry(prisma),
    evaluations,
    experiments: new ExperimentService(prisma),
    runs,
    runLifecycle: new RunLifecycle(prisma),
    annotations: new AnnotationService(prisma),
    comparisons: new RunComparisonService(runs, evaluations),
    leaderboards: new LeaderboardService(prisma),
    sweeps: new SweepService(prisma),
    deletion: new DeletionService(prisma),
    modelAliases: new ModelAliasService(prisma),
    apiKeys: new ApiKeyService(prisma),
  };
}

import type { PrismaClient } from "../db/prismaClient";
import { ApiKeyService } from "./apiKeys";
import { DatasetRegistry } from "./datasets";
import { EvaluationService } from "./evaluations";
import { ExperimentService } from "./experiments";
import { ModelAliasService } from "./modelAliases";
import { RunLifecycle } from "./runLifecycle";
import { RunService } from "./runs";

/** Every domain service over one database. */
export interface Registry {
  datasets: DatasetRegistry;
  evaluations: EvaluationService;
  experiments: ExperimentService;
  runs: RunService;
  runLifecycle: RunLifecycle;
  modelAliases: ModelAliasService;
  apiKeys: ApiKeyService;
}

/** Builds the domain services over a Prisma client. */
export function createRegistry(prisma: PrismaClient): Registry {
  return {
    datasets: new DatasetRegistry(prisma),
    evaluations: new EvaluationService(prisma),
    experiments: new ExperimentService(prisma),
    runs: new RunService(prisma),
    runLifecycle: new RunLifecycle(prisma),
    modelAliases: new ModelAliasService(prisma),
    apiKeys: new ApiKeyService(prisma),
  };
}

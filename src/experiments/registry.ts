import type { PrismaClient } from "../db/prismaClient";
import { ApiKeyService } from "./apiKeys";
import { DatasetRegistry } from "./datasets";
import { ExperimentService } from "./experiments";
import { ModelAliasService } from "./modelAliases";
import { RunService } from "./runs";

/** Every domain service over one database. */
export interface Registry {
  datasets: DatasetRegistry;
  experiments: ExperimentService;
  runs: RunService;
  modelAliases: ModelAliasService;
  apiKeys: ApiKeyService;
}

/** Builds the domain services over a Prisma client. */
export function createRegistry(prisma: PrismaClient): Registry {
  return {
    datasets: new DatasetRegistry(prisma),
    experiments: new ExperimentService(prisma),
    runs: new RunService(prisma),
    modelAliases: new ModelAliasService(prisma),
    apiKeys: new ApiKeyService(prisma),
  };
}

/**
 * LogoLab's modules as `npm run build` emits them into dist/. The bench drives that build rather
 * than its own compiled copy of src/: the build's modules find prisma/migrations, package.json and
 * the training child relative to dist/, where a copy compiled under dist/bench-events would not.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type * as ConfigModule from "../../src/config";
import type * as DatabaseModule from "../../src/db/database";
import type * as RegistryModule from "../../src/experiments/registry";
import type * as PlatformModule from "../../src/cli/platform";
import type * as TrainingDataModule from "../../src/jobs/trainingData";
import type * as HyperparametersModule from "../../src/ml/hyperparameters";
import type * as BackendModule from "../../src/ml/backend";
import type * as TrainModule from "../../src/ml/train";
import type * as ServerModule from "../../src/server";
import type * as ResolversModule from "../../src/resolvers/index";
import type * as ContextModule from "../../src/api/context";
import type * as MigrateModule from "../../src/db/migrate";
import type * as PrismaClientModule from "../../src/generated/prisma/client";

/** dist/ of the repository (this file runs from dist/bench-events/bench/support/). */
const BUILD_DIR = path.resolve(__dirname, "..", "..", "..");

function built<T>(modulePath: string): T {
  const file = path.join(BUILD_DIR, `${modulePath}.js`);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  return require(file) as T;
}

export const { loadConfig } = built<typeof ConfigModule>("config");
export const { openDatabase } = built<typeof DatabaseModule>("db/database");
export const { createRegistry } = built<typeof RegistryModule>("experiments/registry");
export const { startPlatform } = built<typeof PlatformModule>("cli/platform");
export const { loadTrainingData } = built<typeof TrainingDataModule>("jobs/trainingData");
export const { activeBackend, selectBackend } = built<typeof BackendModule>("ml/backend");
export const { train } = built<typeof TrainModule>("ml/train");
export const { withDefaults } = built<typeof HyperparametersModule>("ml/hyperparameters");
export const { startServer } = built<typeof ServerModule>("server");
export const { buildLogoLabSchema } = built<typeof ResolversModule>("resolvers/index");
export const { createContext } = built<typeof ContextModule>("api/context");
export const { migrate } = built<typeof MigrateModule>("db/migrate");
export const { PrismaClient } = built<typeof PrismaClientModule>("generated/prisma/client");

-- Run registry: tags and notes on runs and experiments, sweeps, keyset indexes on best metrics.
-- CreateEnum
CREATE TYPE "SweepStrategy" AS ENUM ('GRID', 'RANDOM');

-- DropIndex
DROP INDEX "runs_best_val_macro_f1_idx";

-- AlterTable
ALTER TABLE "experiments" ADD COLUMN     "note" TEXT NOT NULL DEFAULT '';

-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "note" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "sweep_id" UUID,
ADD COLUMN     "tags" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "sweeps" (
    "id" UUID NOT NULL,
    "experiment_id" UUID NOT NULL,
    "strategy" "SweepStrategy" NOT NULL,
    "space" JSONB NOT NULL,
    "base_hyperparameters" JSONB NOT NULL,
    "max_runs" INTEGER NOT NULL,
    "seed" INTEGER NOT NULL,
    "cancelled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sweeps_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "sweeps_experiment_id_created_at_id_idx" ON "sweeps"("experiment_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "sweeps_created_at_id_idx" ON "sweeps"("created_at", "id");

-- CreateIndex
CREATE INDEX "runs_best_val_macro_f1_id_idx" ON "runs"("best_val_macro_f1", "id");

-- CreateIndex
CREATE INDEX "runs_best_val_accuracy_id_idx" ON "runs"("best_val_accuracy", "id");

-- CreateIndex
CREATE INDEX "runs_sweep_id_idx" ON "runs"("sweep_id");

-- CreateIndex
CREATE INDEX "runs_tags_idx" ON "runs" USING GIN ("tags");

-- AddForeignKey
ALTER TABLE "runs" ADD CONSTRAINT "runs_sweep_id_fkey" FOREIGN KEY ("sweep_id") REFERENCES "sweeps"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "sweeps" ADD CONSTRAINT "sweeps_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiments"("id") ON DELETE CASCADE ON UPDATE CASCADE;


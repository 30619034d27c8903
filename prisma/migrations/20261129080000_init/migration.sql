-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "DatasetFormat" AS ENUM ('FLICKRLOGOS32', 'IMAGE_FOLDER', 'SYNTHETIC');

-- CreateEnum
CREATE TYPE "DatasetStatus" AS ENUM ('GENERATING', 'IMPORTING', 'READY', 'FAILED');

-- CreateEnum
CREATE TYPE "RunStatus" AS ENUM ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "Architecture" AS ENUM ('ALEXNET_LITE', 'RESNET18_V2', 'MOBILENET_V2');

-- CreateEnum
CREATE TYPE "OptimizerKind" AS ENUM ('SGD', 'MOMENTUM', 'ADAM');

-- CreateEnum
CREATE TYPE "LossWeighting" AS ENUM ('NONE', 'INVERSE_FREQUENCY', 'EFFECTIVE_NUMBER', 'CUSTOM');

-- CreateEnum
CREATE TYPE "ApiKeyRole" AS ENUM ('VIEWER', 'SERVICE', 'ENGINEER', 'ADMIN');

-- CreateTable
CREATE TABLE "datasets" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 1,
    "format" "DatasetFormat" NOT NULL,
    "split_recipe" TEXT,
    "root_path" TEXT NOT NULL,
    "content_hash" TEXT,
    "classes" TEXT[],
    "split_counts" JSONB NOT NULL DEFAULT '{}',
    "manifest" JSONB NOT NULL DEFAULT '{}',
    "status" "DatasetStatus" NOT NULL,
    "progress" DOUBLE PRECISION,
    "error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "datasets_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "experiments" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "tags" TEXT[],
    "dataset_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "experiments_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "runs" (
    "id" UUID NOT NULL,
    "experiment_id" UUID NOT NULL,
    "status" "RunStatus" NOT NULL DEFAULT 'QUEUED',
    "hyperparameters" JSONB NOT NULL,
    "architecture" "Architecture" NOT NULL,
    "pretrained" BOOLEAN NOT NULL,
    "optimizer" "OptimizerKind" NOT NULL,
    "learning_rate" DOUBLE PRECISION NOT NULL,
    "batch_size" INTEGER NOT NULL,
    "image_size" INTEGER NOT NULL,
    "epochs_planned" INTEGER NOT NULL,
    "loss_weighting" "LossWeighting" NOT NULL,
    "seed" INTEGER NOT NULL,
    "ml_backend" TEXT,
    "error" TEXT,
    "best_epoch" INTEGER,
    "best_val_macro_f1" DOUBLE PRECISION,
    "best_val_accuracy" DOUBLE PRECISION,
    "resumed_from_epoch" INTEGER,
    "attempt" INTEGER NOT NULL DEFAULT 0,
    "job_id" TEXT,
    "worker_id" TEXT,
    "cancel_requested_at" TIMESTAMPTZ(3),
    "heartbeat_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "runs_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "epoch_metrics" (
    "id" UUID NOT NULL,
    "run_id" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "loss" DOUBLE PRECISION NOT NULL,
    "train_accuracy" DOUBLE PRECISION NOT NULL,
    "val_accuracy" DOUBLE PRECISION NOT NULL,
    "test_accuracy" DOUBLE PRECISION,
    "val_macro_f1" DOUBLE PRECISION NOT NULL,
    "majority_baseline_accuracy" DOUBLE PRECISION NOT NULL,
    "duration_ms" INTEGER NOT NULL,
    "per_class" JSONB NOT NULL,
    "confusion_matrix" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "epoch_metrics_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "checkpoints" (
    "id" UUID NOT NULL,
    "run_id" UUID NOT NULL,
    "epoch" INTEGER NOT NULL,
    "path" TEXT NOT NULL,
    "bytes" BIGINT NOT NULL,
    "sha256" TEXT NOT NULL,
    "metrics" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "checkpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_aliases" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "run_id" UUID NOT NULL,
    "checkpoint_id" UUID NOT NULL,
    "updated_by_key_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "model_aliases_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "model_alias_changes" (
    "id" UUID NOT NULL,
    "alias_id" UUID NOT NULL,
    "from_run_id" UUID,
    "from_checkpoint_id" UUID,
    "to_run_id" UUID NOT NULL,
    "to_checkpoint_id" UUID NOT NULL,
    "changed_by_key_id" UUID,
    "changed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "model_alias_changes_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secret_hash" TEXT NOT NULL,
    "role" "ApiKeyRole" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),

    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "datasets_content_hash_idx" ON "datasets"("content_hash");

-- CreateIndex
CREATE INDEX "datasets_created_at_id_idx" ON "datasets"("created_at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "datasets_name_version_key" ON "datasets"("name", "version");

-- CreateIndex
CREATE UNIQUE INDEX "experiments_name_key" ON "experiments"("name");

-- CreateIndex
CREATE INDEX "experiments_created_at_id_idx" ON "experiments"("created_at", "id");

-- CreateIndex
CREATE INDEX "experiments_dataset_id_idx" ON "experiments"("dataset_id");

-- CreateIndex
CREATE INDEX "runs_experiment_id_created_at_id_idx" ON "runs"("experiment_id", "created_at", "id");

-- CreateIndex
CREATE INDEX "runs_created_at_id_idx" ON "runs"("created_at", "id");

-- CreateIndex
CREATE INDEX "runs_status_created_at_idx" ON "runs"("status", "created_at");

-- CreateIndex
CREATE INDEX "runs_status_heartbeat_at_idx" ON "runs"("status", "heartbeat_at");

-- CreateIndex
CREATE INDEX "runs_best_val_macro_f1_idx" ON "runs"("best_val_macro_f1");

-- CreateIndex
CREATE UNIQUE INDEX "epoch_metrics_run_id_epoch_key" ON "epoch_metrics"("run_id", "epoch");

-- CreateIndex
CREATE UNIQUE INDEX "checkpoints_run_id_epoch_key" ON "checkpoints"("run_id", "epoch");

-- CreateIndex
CREATE UNIQUE INDEX "model_aliases_name_key" ON "model_aliases"("name");

-- CreateIndex
CREATE INDEX "model_alias_changes_alias_id_changed_at_idx" ON "model_alias_changes"("alias_id", "changed_at");

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_secret_hash_key" ON "api_keys"("secret_hash");

-- AddForeignKey
ALTER TABLE "experiments" ADD CONSTRAINT "experiments_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "runs" ADD CONSTRAINT "runs_experiment_id_fkey" FOREIGN KEY ("experiment_id") REFERENCES "experiments"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "epoch_metrics" ADD CONSTRAINT "epoch_metrics_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "checkpoints" ADD CONSTRAINT "checkpoints_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_aliases" ADD CONSTRAINT "model_aliases_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_aliases" ADD CONSTRAINT "model_aliases_checkpoint_id_fkey" FOREIGN KEY ("checkpoint_id") REFERENCES "checkpoints"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "model_alias_changes" ADD CONSTRAINT "model_alias_changes_alias_id_fkey" FOREIGN KEY ("alias_id") REFERENCES "model_aliases"("id") ON DELETE CASCADE ON UPDATE CASCADE;


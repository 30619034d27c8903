-- Evaluations: a model scored on a dataset split through the serving path, with per-image predictions.
-- CreateEnum
CREATE TYPE "EvaluationStatus" AS ENUM ('RUNNING', 'SUCCEEDED', 'FAILED');

-- CreateTable
CREATE TABLE "evaluations" (
    "id" UUID NOT NULL,
    "run_id" UUID NOT NULL,
    "checkpoint_id" UUID NOT NULL,
    "dataset_id" UUID NOT NULL,
    "split" TEXT NOT NULL,
    "model_reference" TEXT NOT NULL,
    "status" "EvaluationStatus" NOT NULL DEFAULT 'RUNNING',
    "progress" DOUBLE PRECISION,
    "error" TEXT,
    "image_count" INTEGER NOT NULL DEFAULT 0,
    "accuracy" DOUBLE PRECISION,
    "macro_f1" DOUBLE PRECISION,
    "majority_baseline_accuracy" DOUBLE PRECISION,
    "no_logo_threshold" DOUBLE PRECISION,
    "recognition_precision" DOUBLE PRECISION,
    "recognition_recall" DOUBLE PRECISION,
    "per_class" JSONB NOT NULL DEFAULT '[]',
    "confusion_matrix" JSONB NOT NULL DEFAULT '{}',
    "duration_ms" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "evaluations_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "evaluation_predictions" (
    "evaluation_id" UUID NOT NULL,
    "position" INTEGER NOT NULL,
    "file" TEXT NOT NULL,
    "truth" TEXT NOT NULL,
    "predicted" TEXT NOT NULL,
    "probability" DOUBLE PRECISION NOT NULL,
    "box_x" DOUBLE PRECISION,
    "box_y" DOUBLE PRECISION,
    "box_width" DOUBLE PRECISION,
    "box_height" DOUBLE PRECISION,

    CONSTRAINT "evaluation_predictions_pkey" PRIMARY KEY ("evaluation_id","position")
);

-- CreateIndex
CREATE INDEX "evaluations_run_id_created_at_idx" ON "evaluations"("run_id", "created_at");

-- CreateIndex
CREATE INDEX "evaluations_dataset_id_created_at_idx" ON "evaluations"("dataset_id", "created_at");

-- CreateIndex
CREATE INDEX "evaluations_created_at_id_idx" ON "evaluations"("created_at", "id");

-- CreateIndex
CREATE INDEX "evaluation_predictions_evaluation_id_truth_predicted_positi_idx" ON "evaluation_predictions"("evaluation_id", "truth", "predicted", "position");

-- AddForeignKey
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_checkpoint_id_fkey" FOREIGN KEY ("checkpoint_id") REFERENCES "checkpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "evaluations" ADD CONSTRAINT "evaluations_dataset_id_fkey" FOREIGN KEY ("dataset_id") REFERENCES "datasets"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "evaluation_predictions" ADD CONSTRAINT "evaluation_predictions_evaluation_id_fkey" FOREIGN KEY ("evaluation_id") REFERENCES "evaluations"("id") ON DELETE CASCADE ON UPDATE CASCADE;


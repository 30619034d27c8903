import path from "node:path";
import { SPLIT_NAMES, type DatasetManifest, type SplitName } from "../datasets/datasetManifest";
import { readDatasetManifest } from "../datasets/materialiseDataset";
import type { LabeledImage } from "../ml/batches";
import type { TrainingData } from "../ml/train";

const ML_SPLIT: Record<SplitName, keyof Omit<TrainingData, "labels">> = {
  train: "train",
  val: "validation",
  test: "test",
};

/** A managed dataset's manifest as training input: file paths and class indices in class order. */
export function trainingDataOf(manifest: DatasetManifest, datasetDir: string): TrainingData {
  const labels = [...manifest.classes];
  const indexOf = new Map(labels.map((label, i) => [label, i]));
  const data: TrainingData = { labels, train: [], validation: [], test: [] };
  for (const split of SPLIT_NAMES) {
    const items: LabeledImage[] = manifest.splits[split].map((entry) => ({
      source: path.join(datasetDir, entry.relpath),
      label: indexOf.get(entry.className)!,
      boxes: entry.bboxes.map((box) => ({
        x: box.x,
        y: box.y,
        width: box.width,
        height: box.height,
        ...(box.className !== undefined && indexOf.has(box.className)
          ? { label: indexOf.get(box.className)! }
          : {}),
      })),
    }));
    data[ML_SPLIT[split]] = items;
  }
  return data;
}

/** Reads the training input of the dataset stored at `datasetDir`. */
export async function loadTrainingData(datasetDir: string): Promise<TrainingData> {
  return trainingDataOf(await readDatasetManifest(datasetDir), datasetDir);
}

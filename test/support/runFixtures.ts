import path from "node:path";
import type { TestServer } from "./testServer";
import { writeImageFolder } from "./imageFolder";

/** Four visually distinct classes: small, fast to train, clearly learnable. */
export const FOUR_CLASSES: Record<string, [number, number, number]> = {
  red: [220, 40, 40],
  green: [40, 200, 60],
  blue: [40, 60, 220],
  "no-logo": [128, 128, 128],
};

/** Imports a small generated ImageFolder dataset and creates an experiment on it. */
export async function createExperimentWithDataset(
  server: TestServer,
  name: string,
  dir: string,
  perSplit = { train: 3, val: 2, test: 1 },
): Promise<string> {
  await writeImageFolder(path.join(dir, name), FOUR_CLASSES, perSplit);
  const dataset = await server.gql<{ importDataset: { id: string } }>(
    `mutation($path: String!) { importDataset(input: { format: IMAGE_FOLDER, path: $path }) { id } }`,
    { path: path.join(dir, name) },
    server.keys.engineer,
  );
  const experiment = await server.gql<{ createExperiment: { id: string } }>(
    `mutation($ds: ID!, $name: String!) { createExperiment(input: { name: $name, datasetId: $ds }) { id } }`,
    { ds: dataset.data!.importDataset.id, name },
    server.keys.engineer,
  );
  return experiment.data!.createExperiment.id;
}

/** Small, fast AlexNet-lite settings (96 px is its minimum). */
export const TINY_RUN = {
  architecture: "ALEXNET_LITE",
  imageSize: 96,
  batchSize: 4,
  epochs: 3,
  augmentations: [],
};

export const START_RUN = `mutation($input: StartRunInput!) { startRun(input: $input) { id status } }`;

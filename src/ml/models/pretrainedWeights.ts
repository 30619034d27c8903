import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "../../errors";
import { modelHandlerFor } from "../modelFiles";

/** Which weights of a model were replaced by pretrained values. */
export interface PretrainedLoadReport {
  /** Weight names (tfjs `originalName`) copied from the file. */
  loaded: string[];
  /** Model weights kept as initialised: absent from the file or of another shape (e.g. a new head). */
  skipped: string[];
}

/**
 * Copies weights saved in tfjs layers format (`model.json` + shards at a `file://` path, plain path
 * or `http(s)://` URL) into `model`, matching by weight name and shape; weights that do not match
 * (typically the classifier head of a different class count) keep their initial values. Throws a
 * `ValidationError` when nothing matches, which means the file is for another architecture.
 */
export async function loadPretrainedWeights(
  model: tf.LayersModel,
  pathOrUrl: string,
): Promise<PretrainedLoadReport> {
  const handler = modelHandlerFor(pathOrUrl);
  if (handler.load === undefined)
    throw new ValidationError(`cannot load weights from ${pathOrUrl}`, { field: "pretrained" });
  const artifacts = await handler.load();
  if (artifacts.weightData === undefined || artifacts.weightSpecs === undefined) {
    throw new ValidationError(`${pathOrUrl} holds no weights`, { field: "pretrained" });
  }
  const saved = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  const report: PretrainedLoadReport = { loaded: [], skipped: [] };
  try {
    for (const weight of model.weights) {
      const value = saved[weight.originalName];
      if (value !== undefined && tf.util.arraysEqual(value.shape, weight.shape as number[])) {
        weight.write(value);
        report.loaded.push(weight.originalName);
      } else {
        report.skipped.push(weight.originalName);
      }
    }
  } finally {
    tf.dispose(Object.values(saved));
  }
  if (report.loaded.length === 0) {
    throw new ValidationError(`no weight in ${pathOrUrl} matches the model ${model.name}`, {
      field: "pretrained",
    });
  }
  return report;
}

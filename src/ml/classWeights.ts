import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "../errors";
import type { LossWeighting } from "./hyperparameters";

/** β of EFFECTIVE_NUMBER when none is given (Cui et al. 2019 use 0.9–0.9999). */
export const DEFAULT_EFFECTIVE_NUMBER_BETA = 0.999;

/** Images per class, in label order. */
export function classCounts(labels: ArrayLike<number>, classCount: number): number[] {
  const counts = new Array<number>(classCount).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]]++;
  return counts;
}

/**
 * Per-class loss weights in label order. NONE: all 1. INVERSE_FREQUENCY: `N / (K·n_c)` (mean 1 over
 * examples). EFFECTIVE_NUMBER: `(1-β) / (1-β^n_c)` normalised to sum K (Cui et al. 2019). CUSTOM:
 * `custom` as given. Classes without training examples get weight 0.
 */
export function classWeightsFor(
  weighting: LossWeighting,
  counts: readonly number[],
  options: { beta?: number; custom?: readonly number[] } = {},
): number[] {
  const classCount = counts.length;
  const total = counts.reduce((a, b) => a + b, 0);
  switch (weighting) {
    case "NONE":
      return counts.map(() => 1);
    case "INVERSE_FREQUENCY":
      return counts.map((n) => (n === 0 ? 0 : total / (classCount * n)));
    case "EFFECTIVE_NUMBER": {
      const beta = options.beta ?? DEFAULT_EFFECTIVE_NUMBER_BETA;
      const raw = counts.map((n) => (n === 0 ? 0 : (1 - beta) / (1 - beta ** n)));
      const sum = raw.reduce((a, b) => a + b, 0);
      return raw.map((w) => (w * classCount) / sum);
    }
    case "CUSTOM": {
      if (options.custom === undefined || options.custom.length !== classCount) {
        throw new ValidationError(`CUSTOM weighting needs ${classCount} class weights`, {
          field: "classWeights",
        });
      }
      return options.custom.slice();
    }
  }
}

/**
 * Class-weighted softmax cross-entropy from probabilities: `Σ_i w[y_i]·(−log p_i[y_i]) / B`.
 * `probabilities [B, K]` (softmax outputs, clipped to [1e-7, 1]), `labels [B]` int32, `weights [K]`.
 * Returns a scalar; with all weights 1 it is the usual mean cross-entropy.
 */
export function weightedCrossEntropy(
  probabilities: tf.Tensor2D,
  labels: tf.Tensor1D,
  weights: tf.Tensor1D,
): tf.Scalar {
  return tf.tidy(() => {
    const classCount = probabilities.shape[1];
    const oneHot = tf.oneHot(labels, classCount).toFloat();
    const picked = tf.sum(tf.mul(probabilities, oneHot), 1);
    const perExample = tf.neg(tf.log(tf.clipByValue(picked, 1e-7, 1)));
    const exampleWeights = tf.gather(weights, labels);
    return tf.div(tf.sum(tf.mul(perExample, exampleWeights)), labels.shape[0]) as tf.Scalar;
  });
}

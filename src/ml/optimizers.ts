import * as tf from "@tensorflow/tfjs";
import type { Optimizer } from "./hyperparameters";

/** Momentum of MOMENTUM (classic heavy ball, not Nesterov). */
export const MOMENTUM = 0.9;

/** The tfjs optimizer for a hyperparameter choice; weight decay is applied by the training step. */
export function createOptimizer(name: Optimizer, learningRate: number): tf.Optimizer {
  switch (name) {
    case "SGD":
      return tf.train.sgd(learningRate);
    case "MOMENTUM":
      return tf.train.momentum(learningRate, MOMENTUM);
    case "ADAM":
      return tf.train.adam(learningRate);
  }
}

/**
 * Adds L2 weight decay to gradients: `g + weightDecay·w` for every variable (PyTorch's
 * `weight_decay`; for SGD identical to decoupled decay). Returns new tensors; the caller disposes.
 */
export function withWeightDecay(
  gradients: tf.NamedTensorMap,
  variables: ReadonlyMap<string, tf.Variable>,
  weightDecay: number,
): tf.NamedTensorMap {
  const result: tf.NamedTensorMap = {};
  for (const [name, gradient] of Object.entries(gradients)) {
    const variable = variables.get(name);
    result[name] =
      weightDecay > 0 && variable !== undefined
        ? tf.add(gradient, tf.mul(variable, weightDecay))
        : tf.clone(gradient);
  }
  return result;
}

/**
 * Disposes an optimizer and its state. tfjs 4.22's `MomentumOptimizer.dispose()` forgets the
 * learning-rate scalar it inherits from SGD (one tensor per optimizer): free it here too.
 */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  if (optimizer instanceof tf.MomentumOptimizer) {
    const inherited = (optimizer as unknown as { c?: tf.Tensor }).c;
    if (inherited !== undefined && !inherited.isDisposed) inherited.dispose();
  }
}

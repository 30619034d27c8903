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
 * Changes an optimizer's learning rate in place (its moments are kept): SGD and MOMENTUM hold it
 * as a tensor that `setLearningRate` replaces, Adam reads the number on every step.
 */
export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  // tfjs's optimizer classes answer `instanceof` by duck typing (Adam passes for SGD): ask the name.
  const name = optimizer.getClassName();
  if (name === "SGD" || name === "Momentum") (optimizer as tf.SGDOptimizer).setLearningRate(learningRate);
  // Adam's `learningRate` is protected in the typings but read on every step (tfjs 4.22).
  else if (name === "Adam") (optimizer as unknown as { learningRate: number }).learningRate = learningRate;
  else throw new Error(`cannot set the learning rate of ${name}`);
}

/**
 * Cosine decay: the learning rate at `progress` ∈ [0, 1] of a run, from `base` at 0 down to
 * `floorFraction · base` at 1 (half a cosine period). Pure.
 */
export function cosineLearningRate(base: number, progress: number, floorFraction: number): number {
  const clamped = Math.min(1, Math.max(0, progress));
  return base * (floorFraction + (1 - floorFraction) * 0.5 * (1 + Math.cos(Math.PI * clamped)));
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
  // By name, as in `setLearningRate`: `instanceof tf.MomentumOptimizer` holds for every optimizer.
  if (optimizer.getClassName() === "Momentum") {
    const inherited = (optimizer as unknown as { c?: tf.Tensor }).c;
    if (inherited !== undefined && !inherited.isDisposed) inherited.dispose();
  }
}

/**
 * One optimizer step of a LOCALIZER whose backbone tail trains with its head (`trainableLayers` 4):
 * block-11 maps of a batch's images → tail → tap maps → standardised (fixed training statistics)
 * → each cell with its window's mean → the batch's chosen cells → cell head → weighted softmax
 * cross-entropy; gradients by autodiff for the tail (the depthwise layer through LogoLab's wasm
 * kernels) and the head, each applied by its own optimizer.
 */
import * as tf from "@tensorflow/tfjs";
import { tailForward, TAIL_VARIABLE_NAMES, type TailVariables } from "./backboneTail";
import type { CellHeadVariables } from "./cellHead";
import { rowProduct } from "../rowProduct";

/**
 * The tail learns at this fraction of the head's learning rate (Adam 5e-4 at the default 2e-3).
 * On 184 real photos (`bench:real --trainable-layers 4`) test macro-F1 was 0.476 at 0.05, 0.510 at
 * 0.25 and 0.455 at 1 (training loss 0.06: the tail memorised the photos).
 */
export const TAIL_LEARNING_RATE_FRACTION = 0.25;

/** What one tail-and-head step reads. */
export interface TailStepInputs {
  /** Block-11 maps `[images, grid, grid, 136]` of the batch's images. */
  lower: tf.Tensor4D;
  /** Row of each training cell in the batch's `[images · grid², …]` cells (int32). */
  rowIndices: tf.Tensor1D;
  labels: tf.Tensor1D;
  /** Loss weight of each row (`halfAndHalfWeights`). */
  weights: tf.Tensor1D;
}

/** The standardisation the head's inputs get, as tensors `[channels]`. */
export interface StandardisationTensors {
  mean: tf.Tensor1D;
  std: tf.Tensor1D;
}

/**
 * The head's input rows for every cell of tap maps `[images, grid, grid, channels]`:
 * standardised values, then (window > 1) the window's mean of them — the rows `writeCellRow`
 * builds from bytes, as a differentiable function of the maps.
 */
export function headRowsOf(
  tap: tf.Tensor4D,
  standardisation: StandardisationTensors,
  contextWindow: number,
): tf.Tensor2D {
  const [images, grid, , channels] = tap.shape;
  const standardised = tf.div(tf.sub(tap, standardisation.mean), standardisation.std) as tf.Tensor4D;
  const withContext =
    contextWindow > 1
      ? tf.concat([standardised, tf.avgPool(standardised, contextWindow, 1, "same")], 3)
      : standardised;
  return withContext.reshape([images * grid * grid, (contextWindow > 1 ? 2 : 1) * channels]);
}

/**
 * Runs the step and applies the gradients (L2 `weightDecay · w` on the head's kernels, as
 * `cellHeadStep`; none on the tail, which starts from pretrained weights). Returns the loss and the
 * rows whose argmax is their label (scalars the caller disposes); nothing else survives.
 */
export function tailAndHeadStep(
  tail: TailVariables,
  head: CellHeadVariables,
  standardisation: StandardisationTensors,
  contextWindow: number,
  optimizers: { head: tf.Optimizer; tail: tf.Optimizer },
  inputs: TailStepInputs,
  weightDecay: number,
): { loss: tf.Scalar; correct: tf.Scalar } {
  return tf.tidy(() => {
    const classCount = head.outputBias.shape[0];
    let probabilities: tf.Tensor2D | undefined;
    let crossEntropyLoss: tf.Scalar | undefined;
    const { grads } = tf.variableGrads(() => {
      const rows = tf.gather(
        headRowsOf(tailForward(tail, inputs.lower), standardisation, contextWindow),
        inputs.rowIndices,
      );
      const hidden = tf.relu(tf.add(rowProduct(rows, head.hiddenKernel), head.hiddenBias)) as tf.Tensor2D;
      const logits = tf.add(rowProduct(hidden, head.outputKernel), head.outputBias) as tf.Tensor2D;
      probabilities = tf.keep(tf.softmax(logits));
      const crossEntropy = tf.neg(
        tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(inputs.labels, classCount)), 1),
      );
      const decay = tf.mul(
        weightDecay / 2,
        tf.add(tf.sum(tf.square(head.hiddenKernel)), tf.sum(tf.square(head.outputKernel))),
      );
      crossEntropyLoss = tf.keep(tf.sum(tf.mul(inputs.weights, crossEntropy)) as tf.Scalar);
      return tf.add(crossEntropyLoss, decay) as tf.Scalar;
    }, [
      ...TAIL_VARIABLE_NAMES.map((name) => tail[name]),
      head.hiddenKernel,
      head.hiddenBias,
      head.outputKernel,
      head.outputBias,
    ]);
    const headNames = new Set(
      [head.hiddenKernel, head.hiddenBias, head.outputKernel, head.outputBias].map((v) => v.name),
    );
    optimizers.head.applyGradients(
      Object.fromEntries(Object.entries(grads).filter(([name]) => headNames.has(name))),
    );
    optimizers.tail.applyGradients(
      Object.fromEntries(Object.entries(grads).filter(([name]) => !headNames.has(name))),
    );
    const picked = probabilities!;
    const correct = tf.sum(tf.cast(tf.equal(tf.argMax(picked, 1), inputs.labels), "int32")) as tf.Scalar;
    picked.dispose();
    // Reported like `cellHeadStep`'s: the cross-entropy alone (kept tensors leave with the caller).
    return { loss: crossEntropyLoss!, correct };
  });
}

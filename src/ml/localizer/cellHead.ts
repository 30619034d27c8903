import * as tf from "@tensorflow/tfjs";
import { createRandom } from "../random";

/** Hidden units of the per-cell MLP (816 → 256 → classes measured best). */
export const CELL_HEAD_HIDDEN_UNITS = 256;
export const CELL_HIDDEN_LAYER = "cell_hidden";
export const CELL_OUTPUT_LAYER = "cell_output";

/**
 * The per-cell classifier: `[cells, channels]` standardised features → Dense(hidden, ReLU) →
 * Dense(classCount, softmax). A plain layers model, so it saves as a checkpoint like every head.
 */
export function createCellHead(
  channels: number,
  classCount: number,
  seed: number,
  hiddenUnits = CELL_HEAD_HIDDEN_UNITS,
): tf.LayersModel {
  const random = createRandom(seed);
  return tf.sequential({
    name: "cell_head",
    layers: [
      tf.layers.dense({
        inputShape: [channels],
        units: hiddenUnits,
        activation: "relu",
        kernelInitializer: tf.initializers.heNormal({ seed: random.seed() }),
        name: CELL_HIDDEN_LAYER,
      }),
      tf.layers.dense({
        units: classCount,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: random.seed() }),
        name: CELL_OUTPUT_LAYER,
      }),
    ],
  });
}

/** The head's four variables in a fixed order: hidden kernel and bias, output kernel and bias. */
export interface CellHeadVariables {
  hiddenKernel: tf.Variable;
  hiddenBias: tf.Variable;
  outputKernel: tf.Variable;
  outputBias: tf.Variable;
}

/** The variables of a {@link createCellHead} model (shared, not copied). */
export function cellHeadVariables(head: tf.LayersModel): CellHeadVariables {
  const read = (layer: string, index: number) =>
    head.getLayer(layer).trainableWeights[index].read() as tf.Variable;
  return {
    hiddenKernel: read(CELL_HIDDEN_LAYER, 0),
    hiddenBias: read(CELL_HIDDEN_LAYER, 1),
    outputKernel: read(CELL_OUTPUT_LAYER, 0),
    outputBias: read(CELL_OUTPUT_LAYER, 1),
  };
}

/** Cell probabilities `[N, classCount]` of features `[N, channels]`; the caller disposes the result. */
export function cellProbabilities(variables: CellHeadVariables, features: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const hidden = tf.relu(tf.add(tf.matMul(features, variables.hiddenKernel), variables.hiddenBias));
    return tf.softmax(tf.add(tf.matMul(hidden, variables.outputKernel), variables.outputBias)) as tf.Tensor2D;
  });
}

/**
 * One optimizer step of the cell head with hand-written gradients (wasm's transposed-A matMul,
 * what autodiff uses for a dense kernel's gradient, is ~5× slower than transposing first):
 * weighted softmax cross-entropy `Σ wᵢ · −log pᵢ[yᵢ]` over `features [N, C]`, `labels [N]`,
 * `weights [N]`, plus L2 `weightDecay · w` on the kernels. Returns the loss and the number of rows
 * whose argmax is their label (scalars the caller disposes); nothing else survives the step.
 */
export function cellHeadStep(
  variables: CellHeadVariables,
  optimizer: tf.Optimizer,
  features: tf.Tensor2D,
  labels: tf.Tensor1D,
  weights: tf.Tensor1D,
  weightDecay: number,
): { loss: tf.Scalar; correct: tf.Scalar } {
  return tf.tidy(() => {
    const { hiddenKernel, hiddenBias, outputKernel, outputBias } = variables;
    const classCount = outputBias.shape[0];
    const hidden = tf.relu(tf.add(tf.matMul(features, hiddenKernel), hiddenBias));
    const probabilities = tf.softmax(tf.add(tf.matMul(hidden, outputKernel), outputBias));
    const oneHot = tf.oneHot(labels, classCount).toFloat();
    const column = weights.reshape([-1, 1]);
    const picked = tf.sum(tf.mul(probabilities, oneHot), 1);
    const loss = tf.sum(tf.mul(weights, tf.neg(tf.log(tf.maximum(picked, 1e-7))))) as tf.Scalar;
    const logitsGradient = tf.mul(tf.sub(probabilities, oneHot), column);
    const outputKernelGradient = tf.matMul(tf.transpose(hidden), logitsGradient);
    const outputBiasGradient = tf.sum(logitsGradient, 0);
    const hiddenGradient = tf.mul(tf.matMul(logitsGradient, tf.transpose(outputKernel)), tf.step(hidden));
    const hiddenKernelGradient = tf.matMul(tf.transpose(features), hiddenGradient);
    const hiddenBiasGradient = tf.sum(hiddenGradient, 0);
    const decayed = (gradient: tf.Tensor, weight: tf.Variable) =>
      weightDecay > 0 ? tf.add(gradient, tf.mul(weight, weightDecay)) : gradient;
    optimizer.applyGradients({
      [hiddenKernel.name]: decayed(hiddenKernelGradient, hiddenKernel),
      [hiddenBias.name]: hiddenBiasGradient,
      [outputKernel.name]: decayed(outputKernelGradient, outputKernel),
      [outputBias.name]: outputBiasGradient,
    });
    const correct = tf.sum(tf.cast(tf.equal(tf.argMax(probabilities, 1), labels), "int32")) as tf.Scalar;
    return { loss, correct };
  });
}

/** Per-channel mean and standard deviation the head's inputs are standardised with. */
export interface ChannelStandardisation {
  mean: Float32Array;
  std: Float32Array;
}

/**
 * Mean and standard deviation of each channel over every cell of quantised maps
 * (`[cells, channels]` bytes; `toValue` maps a byte to its activation). A std below 1e-3 is
 * raised to it, so dead channels do not blow up. Pure.
 */
export function channelStandardisation(
  maps: Uint8Array,
  channels: number,
  toValue: (byte: number) => number,
): ChannelStandardisation {
  const histogram = new Float64Array(channels * 256);
  for (let i = 0; i < maps.length; i++) histogram[(i % channels) * 256 + maps[i]]++;
  const mean = new Float32Array(channels);
  const std = new Float32Array(channels);
  const cells = maps.length / channels;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    let squares = 0;
    for (let b = 0; b < 256; b++) {
      const count = histogram[c * 256 + b];
      const value = toValue(b);
      sum += count * value;
      squares += count * value * value;
    }
    const m = cells > 0 ? sum / cells : 0;
    mean[c] = m;
    std[c] = Math.max(1e-3, Math.sqrt(Math.max(0, (cells > 0 ? squares / cells : 0) - m * m)));
  }
  return { mean, std };
}

/**
 * A lookup table byte → standardised value per channel (`[channels, 256]`): standardising a cell is
 * then one table read per channel.
 */
export function standardisationTable(
  standardisation: ChannelStandardisation,
  toValue: (byte: number) => number,
): Float32Array {
  const channels = standardisation.mean.length;
  const table = new Float32Array(channels * 256);
  for (let c = 0; c < channels; c++) {
    for (let b = 0; b < 256; b++) {
      table[c * 256 + b] = (toValue(b) - standardisation.mean[c]) / standardisation.std[c];
    }
  }
  return table;
}

/** Writes cell `cell` of `maps` (bytes, `channels` per cell), standardised, into `target` at `row`. */
export function writeStandardisedCell(
  maps: Uint8Array,
  cell: number,
  channels: number,
  table: Float32Array,
  target: Float32Array,
  row: number,
): void {
  const source = cell * channels;
  const destination = row * channels;
  for (let c = 0; c < channels; c++) target[destination + c] = table[c * 256 + maps[source + c]];
}

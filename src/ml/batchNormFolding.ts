/**
 * Folding an inference-mode BatchNormalization into the linear op before it (Conv2D,
 * DepthwiseConv2D, Dense): `bn(x·W + b) = x·(W·s) + (b·s + t)` with per-channel
 * `s = gamma / sqrt(movingVariance + epsilon)` and `t = beta − movingMean·s`. Pure arithmetic on
 * flat arrays, in float64, rounded to float32 once at the end.
 */

/** A BatchNormalization layer's inference parameters, one entry per channel. */
export interface BatchNormParameters {
  /** Absent when the layer has `scale: false` (gamma = 1). */
  gamma?: Float32Array;
  /** Absent when the layer has `center: false` (beta = 0). */
  beta?: Float32Array;
  movingMean: Float32Array;
  movingVariance: Float32Array;
  epsilon: number;
}

/** A linear op's weights after folding: `kernel` has the input kernel's shape, `bias` one value per channel. */
export interface FoldedWeights {
  kernel: Float32Array;
  bias: Float32Array;
}

/**
 * Folds `batchNorm` into a kernel whose flat row-major layout ends in the output channel, so element
 * `i` feeds channel `i % channelCount`: Conv2D `[kh, kw, in, out]`, Dense `[in, out]`, and
 * DepthwiseConv2D `[kh, kw, in, multiplier]` (output channel `in·multiplier + m`). `bias` absent
 * means zero. Throws when the kernel's size is not a multiple of the channel count.
 */
export function foldBatchNorm(
  kernel: Float32Array,
  bias: Float32Array | undefined,
  batchNorm: BatchNormParameters,
): FoldedWeights {
  const channelCount = batchNorm.movingMean.length;
  if (kernel.length % channelCount !== 0 || (bias !== undefined && bias.length !== channelCount)) {
    throw new Error(
      `cannot fold a batch norm of ${channelCount} channels into a kernel of ${kernel.length} values` +
        (bias === undefined ? "" : ` and a bias of ${bias.length}`),
    );
  }
  const scale = new Float64Array(channelCount);
  const foldedBias = new Float32Array(channelCount);
  for (let c = 0; c < channelCount; c++) {
    scale[c] = (batchNorm.gamma?.[c] ?? 1) / Math.sqrt(batchNorm.movingVariance[c] + batchNorm.epsilon);
    const shift = (batchNorm.beta?.[c] ?? 0) - batchNorm.movingMean[c] * scale[c];
    foldedBias[c] = (bias?.[c] ?? 0) * scale[c] + shift;
  }
  const foldedKernel = new Float32Array(kernel.length);
  for (let i = 0; i < kernel.length; i++) foldedKernel[i] = kernel[i] * scale[i % channelCount];
  return { kernel: foldedKernel, bias: foldedBias };
}

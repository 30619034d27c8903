import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "../../errors";
import { createRandom, type Random } from "../random";
import type { ModelOptions } from "./alexnetLite";

/** Smallest input side: the stem and four stages divide the input by 32 (64 px → 2×2 before pooling). */
export const RESNET18_V2_MIN_IMAGE_SIZE = 64;

const STAGE_FILTERS = [64, 128, 256, 512];

// Default center/scale: tfjs-layers crashes training batchNormalization({center:false, scale:false}).
function batchNorm(name: string): tf.layers.Layer {
  return tf.layers.batchNormalization({ axis: -1, momentum: 0.9, epsilon: 1e-5, name });
}

function conv(
  filters: number,
  kernelSize: number,
  strides: number,
  name: string,
  random: Random,
): tf.layers.Layer {
  return tf.layers.conv2d({
    filters,
    kernelSize,
    strides,
    padding: "same",
    useBias: false,
    kernelInitializer: tf.initializers.heNormal({ seed: random.seed() }),
    name,
  });
}

/** Pre-activation basic block (He et al. 2016, "Identity Mappings"): BN-ReLU-conv3×3 twice + shortcut. */
function preActBlock(
  input: tf.SymbolicTensor,
  filters: number,
  strides: number,
  name: string,
  random: Random,
): tf.SymbolicTensor {
  const preact = tf.layers
    .activation({ activation: "relu", name: `${name}_preact_relu` })
    .apply(batchNorm(`${name}_preact_bn`).apply(input)) as tf.SymbolicTensor;
  const inChannels = input.shape[3];
  const shortcut =
    strides !== 1 || inChannels !== filters
      ? (conv(filters, 1, strides, `${name}_shortcut`, random).apply(preact) as tf.SymbolicTensor)
      : input;
  let x = conv(filters, 3, strides, `${name}_conv1`, random).apply(preact) as tf.SymbolicTensor;
  x = batchNorm(`${name}_bn2`).apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: "relu", name: `${name}_relu2` }).apply(x) as tf.SymbolicTensor;
  x = conv(filters, 3, 1, `${name}_conv2`, random).apply(x) as tf.SymbolicTensor;
  return tf.layers.add({ name: `${name}_add` }).apply([shortcut, x]) as tf.SymbolicTensor;
}

/**
 * Pre-activation ResNet-18 (v2): conv 64@7×7 stride 2 → maxpool 3 stride 2 → 4 stages × 2 basic
 * blocks (64, 128, 256, 512 filters; stages 2–4 stride 2) → BN-ReLU → global average pool → Dense
 * `classCount` softmax. Input `[B, s, s, 3]` in [0, 1] with s ≥ 64; output `[B, classCount]`.
 * Layer names are stable (`stage2_block1_conv1`, …) so pretrained weights load by name.
 */
export function resnet18v2(options: ModelOptions): tf.LayersModel {
  const { imageSize, classCount, seed } = options;
  if (!Number.isInteger(imageSize) || imageSize < RESNET18_V2_MIN_IMAGE_SIZE) {
    throw new ValidationError(
      `RESNET18_V2 needs imageSize ≥ ${RESNET18_V2_MIN_IMAGE_SIZE}, got ${imageSize}`,
      {
        field: "imageSize",
      },
    );
  }
  const random = createRandom(seed);
  const input = tf.input({ shape: [imageSize, imageSize, 3], name: "image" });
  let x = conv(64, 7, 2, "stem_conv", random).apply(input) as tf.SymbolicTensor;
  x = tf.layers
    .maxPooling2d({ poolSize: 3, strides: 2, padding: "same", name: "stem_pool" })
    .apply(x) as tf.SymbolicTensor;
  STAGE_FILTERS.forEach((filters, stage) => {
    for (let block = 0; block < 2; block++) {
      const strides = stage > 0 && block === 0 ? 2 : 1;
      x = preActBlock(x, filters, strides, `stage${stage + 1}_block${block + 1}`, random);
    }
  });
  x = batchNorm("post_bn").apply(x) as tf.SymbolicTensor;
  x = tf.layers.activation({ activation: "relu", name: "post_relu" }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: "pool" }).apply(x) as tf.SymbolicTensor;
  const output = tf.layers
    .dense({
      units: classCount,
      activation: "softmax",
      kernelInitializer: tf.initializers.glorotUniform({ seed: random.seed() }),
      name: "head",
    })
    .apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: "resnet18_v2" });
}

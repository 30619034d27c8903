import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "../../errors";
import { createRandom } from "../random";

/** Smallest input side AlexNet-lite accepts: its valid-padding conv/pool stack needs 96 px. */
export const ALEXNET_LITE_MIN_IMAGE_SIZE = 96;

/** Options shared by the from-scratch model builders. */
export interface ModelOptions {
  /** Square input side in pixels; input tensor `[batch, imageSize, imageSize, 3]` scaled to [0, 1]. */
  imageSize: number;
  /** Number of output classes (softmax width). */
  classCount: number;
  /** Seed of every weight initializer, so the same seed builds identical weights. */
  seed: number;
}

/**
 * The article's CNN: Conv 96@11×11 stride 4 relu → MaxPool 3 stride 2 → Conv 192@5×5 relu →
 * MaxPool 3 stride 2 → Flatten → Dense 4096 relu → Dense `classCount` softmax (all 'valid' padding).
 * Input `[B, imageSize, imageSize, 3]`, output `[B, classCount]` probabilities. At 96 px the flattened
 * features are 2·2·192 = 768; at 224 px 10·10·192 = 19,200 (the Dense-4096 then holds 78.6 M weights).
 */
export function alexnetLite(options: ModelOptions): tf.LayersModel {
  const { imageSize, classCount, seed } = options;
  if (!Number.isInteger(imageSize) || imageSize < ALEXNET_LITE_MIN_IMAGE_SIZE) {
    throw new ValidationError(
      `ALEXNET_LITE needs imageSize ≥ ${ALEXNET_LITE_MIN_IMAGE_SIZE} (its valid-padding layers shrink smaller inputs to nothing), got ${imageSize}`,
      { field: "imageSize" },
    );
  }
  const random = createRandom(seed);
  const init = () => tf.initializers.glorotUniform({ seed: random.seed() });
  return tf.sequential({
    name: "alexnet_lite",
    layers: [
      tf.layers.conv2d({
        inputShape: [imageSize, imageSize, 3],
        filters: 96,
        kernelSize: 11,
        strides: 4,
        activation: "relu",
        kernelInitializer: init(),
        name: "conv1",
      }),
      tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: "pool1" }),
      tf.layers.conv2d({
        filters: 192,
        kernelSize: 5,
        activation: "relu",
        kernelInitializer: init(),
        name: "conv2",
      }),
      tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: "pool2" }),
      tf.layers.flatten({ name: "flatten" }),
      tf.layers.dense({ units: 4096, activation: "relu", kernelInitializer: init(), name: "fc1" }),
      tf.layers.dense({ units: classCount, activation: "softmax", kernelInitializer: init(), name: "head" }),
    ],
  });
}

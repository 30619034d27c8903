/**
 * The backbone's top layers below the localizer's tap, as trainable variables (LOCALIZER with
 * `trainableLayers: 4`): MobileNetV2-1.4's block 12 (1×1 expansion 136 → 816 + ReLU6, 3×3
 * depthwise + ReLU6, 1×1 linear projection 816 → 136, residual) and block 13's expansion
 * (1×1 136 → 816 + ReLU6, the tap). Training reads cached block-11 outputs and runs only these four
 * layers, so fine-tuning costs a fraction of a backbone pass; serving runs the frozen graph to block
 * 11 and these layers on top. The graph's batch norms are already folded into each layer's bias.
 */
import * as tf from "@tensorflow/tfjs";
import { LOCALIZER_TAIL_LAYERS } from "../hyperparameters";
import type { SpatialBackbone } from "../models/graphBackbone";
import { rowProduct } from "../rowProduct";

/** Where the tail starts: block 11's output (stride 16, 136 channels, linear — not ReLU6-bounded). */
export const TAIL_INPUT_TAP = "MobilenetV2/expanded_conv_11/add";
/** The weight layers the tail holds, top-down (the order `trainableLayers: n` counts them in). */
export const TAIL_LAYERS = [
  "expanded_conv_13/expand",
  "expanded_conv_12/project",
  "expanded_conv_12/depthwise",
  "expanded_conv_12/expand",
] as const;
if (TAIL_LAYERS.length !== LOCALIZER_TAIL_LAYERS)
  throw new Error("the tail's layers and LOCALIZER_TAIL_LAYERS disagree");

/** The tail's eight variables (kernels in the graph's layouts: 1×1 convs as `[1,1,in,out]`). */
export interface TailVariables {
  expandKernel: tf.Variable;
  expandBias: tf.Variable;
  depthwiseKernel: tf.Variable;
  depthwiseBias: tf.Variable;
  projectKernel: tf.Variable;
  projectBias: tf.Variable;
  tapKernel: tf.Variable;
  tapBias: tf.Variable;
}

/** The tail's weights as plain tensors (a served checkpoint's, or the variables' values). */
export type TailWeights = { [K in keyof TailVariables]: tf.Tensor };

/** Names of the tail variables in a fixed order (checkpoint layers and gradients use it). */
export const TAIL_VARIABLE_NAMES = [
  "expandKernel",
  "expandBias",
  "depthwiseKernel",
  "depthwiseBias",
  "projectKernel",
  "projectBias",
  "tapKernel",
  "tapBias",
] as const satisfies readonly (keyof TailVariables)[];

/** The graph constant each variable starts from (the node name ends with it). */
const GRAPH_WEIGHTS: Record<keyof TailVariables, string> = {
  expandKernel: "expanded_conv_12/expand/Conv2D_weights",
  expandBias: "expanded_conv_12/expand/Conv2D_bn_offset",
  depthwiseKernel: "expanded_conv_12/depthwise/depthwise_weights",
  depthwiseBias: "expanded_conv_12/depthwise/depthwise_bn_offset",
  projectKernel: "expanded_conv_12/project/Conv2D_weights",
  projectBias: "expanded_conv_12/project/Conv2D_bn_offset",
  tapKernel: "expanded_conv_13/expand/Conv2D_weights",
  tapBias: "expanded_conv_13/expand/Conv2D_bn_offset",
};

/** Copies of the backbone's own tail weights (the caller owns and disposes them). */
export function pretrainedTailWeights(backbone: SpatialBackbone): TailWeights {
  return Object.fromEntries(
    TAIL_VARIABLE_NAMES.map((name) => [name, backbone.weight(GRAPH_WEIGHTS[name]).clone()]),
  ) as TailWeights;
}

/** `[B,G,G,in]` × `[1,1,in,out]` → `[B,G,G,out]` as one matrix product (faster than a 1×1 conv on wasm). */
function pointwise(x: tf.Tensor4D, kernel: tf.Tensor, bias: tf.Tensor): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const out = kernel.shape[3]!;
  const rows = rowProduct(x.reshape([b * h * w, c]), kernel.reshape([c, out]));
  return tf.add(rows, bias).reshape([b, h, w, out]);
}

/**
 * Block-11 maps `[B,G,G,136]` → tap maps `[B,G,G,816]` (ReLU6) through the tail as `variables`
 * hold it. Differentiable; wrap in `tf.tidy` (it allocates intermediates).
 */
export function tailForward(variables: TailWeights, input: tf.Tensor4D): tf.Tensor4D {
  const expanded = tf.relu6(pointwise(input, variables.expandKernel, variables.expandBias));
  const depthwise = tf.relu6(
    tf.add(
      tf.depthwiseConv2d(expanded, variables.depthwiseKernel as tf.Tensor4D, 1, "same"),
      variables.depthwiseBias,
    ),
  ) as tf.Tensor4D;
  const residual = tf.add(
    input,
    pointwise(depthwise, variables.projectKernel, variables.projectBias),
  ) as tf.Tensor4D;
  return tf.relu6(pointwise(residual, variables.tapKernel, variables.tapBias));
}

/** The tail's variables, trainable, starting from `weights` (copied). */
export function createTailVariables(weights: TailWeights, prefix: string): TailVariables {
  return Object.fromEntries(
    TAIL_VARIABLE_NAMES.map((name) => [name, tf.variable(weights[name], true, `${prefix}/${name}`)]),
  ) as unknown as TailVariables;
}

/** The tail weights stored in a checkpoint's `extraWeights` (names as {@link TAIL_VARIABLE_NAMES}). */
export function tailWeightsOf(extraWeights: tf.NamedTensorMap | undefined): TailWeights {
  const missing = TAIL_VARIABLE_NAMES.filter((name) => extraWeights?.[name] === undefined);
  if (missing.length > 0) throw new Error(`the checkpoint's backbone tail lacks ${missing.join(", ")}`);
  return Object.fromEntries(TAIL_VARIABLE_NAMES.map((name) => [name, extraWeights![name]])) as TailWeights;
}

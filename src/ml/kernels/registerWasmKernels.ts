import * as tf from "@tensorflow/tfjs";
import { conv2dBackpropFilterWasmConfig } from "./conv2dBackpropFilter";
import { makeConv2dBackpropInputWasm } from "./conv2dBackpropInput";
import { depthwiseConv2dBackpropWasmConfigs } from "./depthwiseConv2dBackprop";
import { makeTileWasm } from "./tile";
import { unsortedSegmentSumWasmConfig } from "./unsortedSegmentSum";

/** Which of LogoLab's wasm kernels to install; all by default. */
export interface WasmKernelChoice {
  /** The missing filter gradient: without it no conv layer trains on wasm. */
  hasConv2dBackpropFilter?: boolean;
  /** Replace the naive input gradient with an XNNPACK convolution. */
  hasFastConv2dBackpropInput?: boolean;
  /** Replace the element-wise `Tile` with copy-doubling. */
  hasFastTile?: boolean;
  /** The missing depthwise-conv gradients: without them no MobileNet block trains on wasm. */
  hasDepthwiseConv2dBackprop?: boolean;
  /** The missing `UnsortedSegmentSum` (the gradient of `tf.gather`). */
  hasUnsortedSegmentSum?: boolean;
}

let stockKernels: { conv2dBackpropInput: tf.KernelFunc; tile: tf.KernelFunc } | undefined;

function replaceKernel(kernelName: string, kernelFunc: tf.KernelFunc): void {
  if (tf.getKernel(kernelName, "wasm") !== undefined) tf.unregisterKernel(kernelName, "wasm");
  tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc });
}

/**
 * Installs LogoLab's wasm kernels (idempotent; call after the wasm backend is imported). Calling it
 * again with a different choice swaps kernels, which the benchmarks use to compare against stock.
 */
export function registerWasmKernels(choice: WasmKernelChoice = {}): void {
  const {
    hasConv2dBackpropFilter = true,
    hasFastConv2dBackpropInput = true,
    hasFastTile = true,
    hasDepthwiseConv2dBackprop = true,
    hasUnsortedSegmentSum = true,
  } = choice;
  if (stockKernels === undefined) {
    const input = tf.getKernel(tf.Conv2DBackpropInput, "wasm");
    const tile = tf.getKernel(tf.Tile, "wasm");
    if (input === undefined || tile === undefined) throw new Error("the wasm backend is not loaded");
    stockKernels = { conv2dBackpropInput: input.kernelFunc, tile: tile.kernelFunc };
  }
  if (hasConv2dBackpropFilter) {
    replaceKernel(tf.Conv2DBackpropFilter, conv2dBackpropFilterWasmConfig.kernelFunc);
  } else if (tf.getKernel(tf.Conv2DBackpropFilter, "wasm") !== undefined) {
    tf.unregisterKernel(tf.Conv2DBackpropFilter, "wasm");
  }
  replaceKernel(
    tf.Conv2DBackpropInput,
    hasFastConv2dBackpropInput
      ? makeConv2dBackpropInputWasm(stockKernels.conv2dBackpropInput)
      : stockKernels.conv2dBackpropInput,
  );
  replaceKernel(tf.Tile, hasFastTile ? makeTileWasm(stockKernels.tile) : stockKernels.tile);
  const added: [tf.KernelConfig, boolean][] = [
    ...depthwiseConv2dBackpropWasmConfigs.map((config): [tf.KernelConfig, boolean] => [
      config,
      hasDepthwiseConv2dBackprop,
    ]),
    [unsortedSegmentSumWasmConfig, hasUnsortedSegmentSum],
  ];
  for (const [config, isWanted] of added) {
    if (isWanted) replaceKernel(config.kernelName, config.kernelFunc);
    else if (tf.getKernel(config.kernelName, "wasm") !== undefined)
      tf.unregisterKernel(config.kernelName, "wasm");
  }
}

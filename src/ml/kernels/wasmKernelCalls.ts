import * as tf from "@tensorflow/tfjs";

/** What tfjs passes to a kernel function. */
export type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Calls another wasm kernel from inside a kernel function, on `TensorInfo`s (no tensors, no tape).
 * The caller owns the result and frees it with `backend.disposeData(result.dataId)`.
 */
export function callWasmKernel(
  kernelName: string,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
  backend: KernelArgs["backend"],
): tf.TensorInfo {
  const kernel = tf.getKernel(kernelName, "wasm");
  if (kernel === undefined) throw new Error(`wasm kernel ${kernelName} is not registered`);
  const result = kernel.kernelFunc({ inputs, attrs, backend });
  if (Array.isArray(result)) throw new Error(`wasm kernel ${kernelName} returned several outputs`);
  return result;
}

/** Frees intermediate results of {@link callWasmKernel}. */
export function disposeInfos(backend: KernelArgs["backend"], ...infos: tf.TensorInfo[]): void {
  for (const info of infos) (backend as tf.KernelBackend).disposeData(info.dataId);
}

/** `[top, bottom, left, right]` padding and output size of a forward NHWC conv, as tfjs computes them. */
export interface ForwardConvGeometry {
  padTop: number;
  padLeft: number;
  outHeight: number;
  outWidth: number;
  strideHeight: number;
  strideWidth: number;
  filterHeight: number;
  filterWidth: number;
}

/**
 * Geometry of the forward `Conv2D` (or, `isDepthwise`, `DepthwiseConv2dNative`) whose gradient is
 * being computed (dilation 1, NHWC).
 */
export function forwardConvGeometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: [number, number] | number,
  pad: tf.backend_util.ExplicitPadding | "valid" | "same" | number,
  dimRoundingMode: "floor" | "round" | "ceil" | undefined,
  isDepthwise = false,
): ForwardConvGeometry {
  const info = tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    isDepthwise,
  );
  return {
    padTop: info.padInfo.top,
    padLeft: info.padInfo.left,
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    strideHeight: info.strideHeight,
    strideWidth: info.strideWidth,
    filterHeight: info.filterHeight,
    filterWidth: info.filterWidth,
  };
}

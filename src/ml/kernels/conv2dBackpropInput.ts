import * as tf from "@tensorflow/tfjs";
import {
  callWasmKernel,
  disposeInfos,
  forwardConvGeometry,
  type ForwardConvGeometry,
  type KernelArgs,
} from "./wasmKernelCalls";

/** Below this many input channels wasm's stock (naive) kernel is as fast as the rewrite. */
export const MIN_CHANNELS_FOR_REWRITE = 16;

/**
 * Faster `Conv2DBackpropInput` for wasm: the stock kernel is a naive loop (5.9 of 10.9 s per ResNet
 * step). `dx` is a stride-1 convolution of `dy` — zero-inserted between rows/cols when the forward
 * stride is > 1 — with the filter rotated 180° and its in/out channels swapped, padded by
 * `fh - 1 - padTop` on top (left likewise) and whatever makes the output `H × W` at the bottom.
 *
 * Inputs: `dy [B,oH,oW,O]`, `filter [fh,fw,C,O]`; attrs as `Conv2DBackpropInputAttrs` (NHWC).
 * Output: `dx [B,H,W,C]` float32. Uses `stockKernel` for C < 16 or explicit pads wider than the filter.
 */
export function makeConv2dBackpropInputWasm(stockKernel: tf.KernelFunc): tf.KernelFunc {
  return function conv2dBackpropInputWasm(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
    const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const filter = args.inputs.filter as tf.TensorInfo;
    const filterShape = filter.shape as [number, number, number, number];
    const geometry = forwardConvGeometry(
      attrs.inputShape,
      filterShape,
      attrs.strides,
      attrs.pad,
      attrs.dimRoundingMode,
    );
    const isRewritable =
      attrs.dataFormat !== "NCHW" &&
      filterShape[2] >= MIN_CHANNELS_FOR_REWRITE &&
      geometry.padTop <= filterShape[0] - 1 &&
      geometry.padLeft <= filterShape[1] - 1;
    if (!isRewritable) return stockKernel(args);
    return backpropInputAsConvolution(
      args.inputs.dy as tf.TensorInfo,
      filter,
      attrs.inputShape,
      geometry,
      args.backend,
    );
  };
}

/** `dy [B,oH,oW,O]` → `[B, oH·sh, oW·sw, O]` with `sh-1` zero rows after each row (cols likewise). */
export function insertZeros(
  dy: tf.TensorInfo,
  sh: number,
  sw: number,
  backend: KernelArgs["backend"],
): tf.TensorInfo {
  const [b, oh, ow, o] = dy.shape;
  const split = callWasmKernel("Reshape", { x: dy }, { shape: [b, oh, 1, ow, 1, o] }, backend);
  const padded = callWasmKernel(
    "PadV2",
    { x: split },
    {
      paddings: [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ],
      constantValue: 0,
    } as unknown as tf.NamedAttrMap,
    backend,
  );
  const merged = callWasmKernel("Reshape", { x: padded }, { shape: [b, oh * sh, ow * sw, o] }, backend);
  disposeInfos(backend, split, padded);
  return merged;
}

/** What {@link inputGradientSource} returns: the tensor to convolve, its padding, what to free after. */
export interface InputGradientSource {
  source: tf.TensorInfo;
  pad: [[0, 0], [number, number], [number, number], [0, 0]];
  temporaries: tf.TensorInfo[];
}

/**
 * `dy` made ready for the stride-1 convolution with the 180°-rotated filter that yields `dx`
 * (`height × width`): zero-inserted for strides > 1, then padded by `fh − 1 − padTop` on top (or
 * cropped where the forward padding is wider than the filter), left likewise, and at the bottom and
 * right by whatever makes the output `height × width` (rows beyond that are sliced away).
 */
export function inputGradientSource(
  dy: tf.TensorInfo,
  geometry: Pick<
    ForwardConvGeometry,
    "strideHeight" | "strideWidth" | "filterHeight" | "filterWidth" | "padTop" | "padLeft"
  >,
  height: number,
  width: number,
  backend: KernelArgs["backend"],
): InputGradientSource {
  const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = geometry;
  const temporaries: tf.TensorInfo[] = [];
  let dense = dy;
  if (sh > 1 || sw > 1) {
    dense = insertZeros(dy, sh, sw, backend);
    temporaries.push(dense);
  }
  // Row r of `dense` feeds dx rows r + padTop − i (i = 0 … fh − 1).
  const top = fh - 1 - geometry.padTop;
  const left = fw - 1 - geometry.padLeft;
  const [cropTop, cropLeft] = [Math.max(0, -top), Math.max(0, -left)];
  const [padTop, padLeft] = [Math.max(0, top), Math.max(0, left)];
  // Rows beyond `height + fh − 1 − padTop` only feed output rows ≥ height: drop them.
  const keptHeight = Math.min(dense.shape[1] - cropTop, height + fh - 1 - padTop);
  const keptWidth = Math.min(dense.shape[2] - cropLeft, width + fw - 1 - padLeft);
  if (cropTop > 0 || cropLeft > 0 || keptHeight < dense.shape[1] || keptWidth < dense.shape[2]) {
    const [b, , , o] = dense.shape;
    dense = callWasmKernel(
      "Slice",
      { x: dense },
      { begin: [0, cropTop, cropLeft, 0], size: [b, keptHeight, keptWidth, o] },
      backend,
    );
    temporaries.push(dense);
  }
  return {
    source: dense,
    pad: [
      [0, 0],
      [padTop, height + fh - 1 - padTop - keptHeight],
      [padLeft, width + fw - 1 - padLeft - keptWidth],
      [0, 0],
    ],
    temporaries,
  };
}

function backpropInputAsConvolution(
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  inputShape: [number, number, number, number],
  geometry: ForwardConvGeometry,
  backend: KernelArgs["backend"],
): tf.TensorInfo {
  const [, height, width] = inputShape;
  const { source, pad, temporaries } = inputGradientSource(dy, geometry, height, width, backend);
  const swapped = callWasmKernel("Transpose", { x: filter }, { perm: [0, 1, 3, 2] }, backend);
  const rotated = callWasmKernel("Reverse", { x: swapped }, { dims: [0, 1] }, backend);
  temporaries.push(swapped, rotated);
  const dx = callWasmKernel(
    "Conv2D",
    { x: source, filter: rotated },
    { strides: [1, 1], dilations: [1, 1], pad, dataFormat: "NHWC" } as unknown as tf.NamedAttrMap,
    backend,
  );
  disposeInfos(backend, ...temporaries);
  return dx;
}

import * as tf from "@tensorflow/tfjs";
import { callWasmKernel, disposeInfos, forwardConvGeometry, type KernelArgs } from "./wasmKernelCalls";
import { inputGradientSource } from "./conv2dBackpropInput";

/**
 * The two depthwise-convolution gradients the wasm backend lacks (so no MobileNet block trains
 * there), composed from wasm's own kernels. tfjs's gradient of `DepthwiseConv2dNative` supports
 * dilation 1 only, and so do these. NHWC only.
 */

/** Padding and output size of the forward depthwise conv whose gradient is being computed. */
function depthwiseGeometry(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: Pick<tf.DepthwiseConv2dNativeAttrs, "strides" | "pad" | "dimRoundingMode">,
) {
  return forwardConvGeometry(xShape, filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode, true);
}

function requireDilationOne(dilations: [number, number] | number | undefined): void {
  const [dh, dw] = typeof dilations === "number" ? [dilations, dilations] : (dilations ?? [1, 1]);
  if (dh !== 1 || dw !== 1) throw new Error("wasm depthwise-conv gradients support dilation 1 only");
}

/**
 * `DepthwiseConv2dNativeBackpropFilter`: `dW[i,j,c,m] = Σ_{b,y,x} xPadded[b, y·sh+i, x·sw+j, c] ·
 * dy[b,y,x,c·M+m]`. With M = 1 (MobileNet's) one depthwise convolution computes it
 * ({@link filterGradientAsDepthwise}); otherwise, for each of the `fh·fw` taps, the strided slice
 * of the padded input the tap reads is multiplied by `dy` (as `[…,C,M]`, the slice broadcast over
 * M) and summed over batch and positions; the taps are stacked into `[fh,fw,C,M]`.
 *
 * Inputs: `x [B,H,W,C]`, `dy [B,oH,oW,C·M]`; attrs as `DepthwiseConv2dNativeBackpropFilterAttrs`.
 */
export function depthwiseConv2dBackpropFilterWasm(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs;
  requireDilationOne(attrs.dilations);
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  const xShape = x.shape as [number, number, number, number];
  const [fh, fw, channels, multiplier] = attrs.filterShape;
  const { padTop, padLeft, outHeight, outWidth, strideHeight, strideWidth } = depthwiseGeometry(
    xShape,
    attrs.filterShape,
    attrs,
  );
  const [batch, height, width] = xShape;
  // Rows and columns of the padded input the last tap reads.
  const neededHeight = fh + (outHeight - 1) * strideHeight;
  const neededWidth = fw + (outWidth - 1) * strideWidth;
  const padded = callWasmKernel(
    "PadV2",
    { x },
    {
      paddings: [
        [0, 0],
        [padTop, Math.max(0, neededHeight - padTop - height)],
        [padLeft, Math.max(0, neededWidth - padLeft - width)],
        [0, 0],
      ],
      constantValue: 0,
    } as unknown as tf.NamedAttrMap,
    backend,
  );
  if (multiplier === 1) {
    const gradient = filterGradientAsDepthwise(padded, dy, attrs.filterShape, {
      neededHeight,
      neededWidth,
      strideHeight,
      strideWidth,
      backend,
    });
    disposeInfos(backend, padded);
    return gradient;
  }
  const dyGrouped = callWasmKernel(
    "Reshape",
    { x: dy },
    { shape: [batch, outHeight, outWidth, channels, multiplier] },
    backend,
  );
  const temporaries: tf.TensorInfo[] = [padded, dyGrouped];
  const taps: tf.TensorInfo[] = [];
  for (let i = 0; i < fh; i++) {
    for (let j = 0; j < fw; j++) {
      const read = callWasmKernel(
        "StridedSlice",
        { x: padded },
        {
          begin: [0, i, j, 0],
          end: [
            batch,
            i + (outHeight - 1) * strideHeight + 1,
            j + (outWidth - 1) * strideWidth + 1,
            channels,
          ],
          strides: [1, strideHeight, strideWidth, 1],
          beginMask: 0,
          endMask: 0,
          ellipsisMask: 0,
          newAxisMask: 0,
          shrinkAxisMask: 0,
        } as unknown as tf.NamedAttrMap,
        backend,
      );
      const expanded = callWasmKernel(
        "Reshape",
        { x: read },
        { shape: [batch, outHeight, outWidth, channels, 1] },
        backend,
      );
      const product = callWasmKernel("Multiply", { a: expanded, b: dyGrouped }, {}, backend);
      taps.push(callWasmKernel("Sum", { x: product }, { axis: [0, 1, 2], keepDims: false }, backend));
      disposeInfos(backend, read, expanded, product);
    }
  }
  const stacked = callWasmKernel("Pack", taps as unknown as tf.NamedTensorInfoMap, { axis: 0 }, backend);
  temporaries.push(...taps, stacked);
  const gradient = callWasmKernel(
    "Reshape",
    { x: stacked },
    { shape: [fh, fw, channels, multiplier] },
    backend,
  );
  disposeInfos(backend, ...temporaries);
  return gradient;
}

/**
 * The filter gradient for channel multiplier 1 as one depthwise convolution: the padded input
 * (`padded`, the caller's to free) as `[1, H', W', B·C]` (batch and channel together), convolved
 * 'valid' with `dy` as the filter
 * `[oH, oW, B·C, 1]`, dilated by the forward strides, gives `[1, fh, fw, B·C]`; summing over the
 * batch leaves `[fh, fw, C, 1]`: two transposes and one convolution instead of nine strided slices
 * of the whole input (a 32 × 20 × 20 × 816 slice alone takes ~90 ms on wasm).
 */
function filterGradientAsDepthwise(
  padded: tf.TensorInfo,
  dy: tf.TensorInfo,
  filterShape: [number, number, number, number],
  geometry: {
    neededHeight: number;
    neededWidth: number;
    strideHeight: number;
    strideWidth: number;
    backend: KernelArgs["backend"];
  },
): tf.TensorInfo {
  const { neededHeight, neededWidth, strideHeight, strideWidth, backend } = geometry;
  const [fh, fw, channels] = filterShape;
  const [batch] = padded.shape;
  const [, outHeight, outWidth] = dy.shape;
  const temporaries: tf.TensorInfo[] = [];
  let read = padded;
  if (padded.shape[1] > neededHeight || padded.shape[2] > neededWidth) {
    // Rows and columns a 'valid' stride never reads.
    read = callWasmKernel(
      "Slice",
      { x: padded },
      { begin: [0, 0, 0, 0], size: [batch, neededHeight, neededWidth, channels] },
      backend,
    );
    temporaries.push(read);
  }
  const inputT = callWasmKernel("Transpose", { x: read }, { perm: [1, 2, 0, 3] }, backend);
  const input = callWasmKernel(
    "Reshape",
    { x: inputT },
    { shape: [1, neededHeight, neededWidth, batch * channels] },
    backend,
  );
  const dyT = callWasmKernel("Transpose", { x: dy }, { perm: [1, 2, 0, 3] }, backend);
  const filter = callWasmKernel(
    "Reshape",
    { x: dyT },
    { shape: [outHeight, outWidth, batch * channels, 1] },
    backend,
  );
  temporaries.push(inputT, input, dyT, filter);
  const perBatch = callWasmKernel(
    "DepthwiseConv2dNative",
    { x: input, filter },
    {
      strides: [1, 1],
      dilations: [strideHeight, strideWidth],
      pad: "valid",
      dataFormat: "NHWC",
    } as unknown as tf.NamedAttrMap,
    backend,
  );
  const split = callWasmKernel("Reshape", { x: perBatch }, { shape: [fh, fw, batch, channels] }, backend);
  temporaries.push(perBatch, split);
  const summed = callWasmKernel("Sum", { x: split }, { axis: [2], keepDims: false }, backend);
  const gradient = callWasmKernel("Reshape", { x: summed }, { shape: [fh, fw, channels, 1] }, backend);
  disposeInfos(backend, ...temporaries, summed);
  return gradient;
}

/**
 * `DepthwiseConv2dNativeBackpropInput`: `dx` is a stride-1 depthwise convolution of `dy` —
 * zero-inserted between rows and columns when the forward stride is > 1 — with each channel's
 * filter rotated 180° (the filter `[fh,fw,C,M]` as `[fh,fw,C·M,1]`), padded by `fh − 1 − padTop`
 * on top (cropped instead where the forward padding is wider than the filter) and whatever makes
 * the output `H × W` at the bottom; with a channel multiplier M > 1 the M outputs of each input
 * channel are summed.
 *
 * Inputs: `dy [B,oH,oW,C·M]`, `filter [fh,fw,C,M]`; attrs as `DepthwiseConv2dNativeBackpropInputAttrs`.
 */
export function depthwiseConv2dBackpropInputWasm(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend } = args;
  const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  requireDilationOne(attrs.dilations);
  const dy = inputs.dy as tf.TensorInfo;
  const filter = inputs.filter as tf.TensorInfo;
  const filterShape = filter.shape as [number, number, number, number];
  const [fh, fw, channels, multiplier] = filterShape;
  const [batch, height, width] = attrs.inputShape;
  const geometry = depthwiseGeometry(attrs.inputShape, filterShape, attrs);
  const { source, pad, temporaries } = inputGradientSource(dy, geometry, height, width, backend);
  const flatFilter = callWasmKernel(
    "Reshape",
    { x: filter },
    { shape: [fh, fw, channels * multiplier, 1] },
    backend,
  );
  const rotated = callWasmKernel("Reverse", { x: flatFilter }, { dims: [0, 1] }, backend);
  temporaries.push(flatFilter, rotated);
  const perOutput = callWasmKernel(
    "DepthwiseConv2dNative",
    { x: source, filter: rotated },
    { strides: [1, 1], dilations: [1, 1], pad, dataFormat: "NHWC" } as unknown as tf.NamedAttrMap,
    backend,
  );
  if (multiplier === 1) {
    disposeInfos(backend, ...temporaries);
    return perOutput;
  }
  const grouped = callWasmKernel(
    "Reshape",
    { x: perOutput },
    { shape: [batch, height, width, channels, multiplier] },
    backend,
  );
  const dx = callWasmKernel("Sum", { x: grouped }, { axis: [4], keepDims: false }, backend);
  disposeInfos(backend, ...temporaries, perOutput, grouped);
  return dx;
}

/** Kernel registration records for the two depthwise gradients. */
export const depthwiseConv2dBackpropWasmConfigs: tf.KernelConfig[] = [
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backendName: "wasm",
    kernelFunc: depthwiseConv2dBackpropFilterWasm,
  },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName: "wasm",
    kernelFunc: depthwiseConv2dBackpropInputWasm,
  },
];

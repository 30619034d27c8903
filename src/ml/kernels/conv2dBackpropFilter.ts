import * as tf from "@tensorflow/tfjs";
import { callWasmKernel, disposeInfos, forwardConvGeometry, type KernelArgs } from "./wasmKernelCalls";

/**
 * `Conv2DBackpropFilter` for the wasm backend, which lacks it (so no conv layer can train there).
 *
 * The filter gradient `dW[i,j,c,o] = Σ_{b,y,x} xPadded[b, y·sh+i, x·sw+j, c] · dy[b,y,x,o]` is itself a
 * convolution: `x` transposed to `[C,H,W,B]` (channels act as the batch) convolved, stride 1 and
 * dilation = the forward strides, with `dy` transposed to `[oH,oW,B,O]` as the filter. Padding is the
 * forward's top/left plus whatever bottom/right makes the output exactly `fh × fw`; rows a 'valid'
 * stride never reads are sliced away first. The result `[C,fh,fw,O]` is transposed to `[fh,fw,C,O]`.
 *
 * Inputs: `x [B,H,W,C]`, `dy [B,oH,oW,O]`; attrs as tfjs's `Conv2DBackpropFilterAttrs` (NHWC only).
 * Output: `dW [fh,fw,C,O]` float32.
 */
export function conv2dBackpropFilterWasm(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend } = args;
  const attrs = (args.attrs ?? {}) as unknown as tf.Conv2DBackpropFilterAttrs;
  const x = inputs.x as tf.TensorInfo;
  const dy = inputs.dy as tf.TensorInfo;
  if (attrs.dataFormat === "NCHW") throw new Error("wasm Conv2DBackpropFilter supports only NHWC");
  const xShape = x.shape as [number, number, number, number];
  const filterShape = attrs.filterShape as [number, number, number, number];
  const [fh, fw] = filterShape;
  const geometry = forwardConvGeometry(xShape, filterShape, attrs.strides, attrs.pad, attrs.dimRoundingMode);
  const { padTop, padLeft, outHeight, outWidth, strideHeight, strideWidth } = geometry;

  // Input rows/cols the forward conv actually reads (a 'valid' stride may skip the last ones).
  const neededHeight = fh + (outHeight - 1) * strideHeight;
  const neededWidth = fw + (outWidth - 1) * strideWidth;
  const keptHeight = Math.min(xShape[1], neededHeight - padTop);
  const keptWidth = Math.min(xShape[2], neededWidth - padLeft);
  const temporaries: tf.TensorInfo[] = [];
  let xUsed = x;
  if (keptHeight < xShape[1] || keptWidth < xShape[2]) {
    xUsed = callWasmKernel(
      "Slice",
      { x },
      { begin: [0, 0, 0, 0], size: [xShape[0], keptHeight, keptWidth, xShape[3]] },
      backend,
    );
    temporaries.push(xUsed);
  }
  const xT = callWasmKernel("Transpose", { x: xUsed }, { perm: [3, 1, 2, 0] }, backend);
  const dyT = callWasmKernel("Transpose", { x: dy }, { perm: [1, 2, 0, 3] }, backend);
  temporaries.push(xT, dyT);
  const padBottom = neededHeight - padTop - keptHeight;
  const padRight = neededWidth - padLeft - keptWidth;
  const gradT = callWasmKernel(
    "Conv2D",
    { x: xT, filter: dyT },
    {
      strides: [1, 1],
      dilations: [strideHeight, strideWidth],
      pad: [
        [0, 0],
        [padTop, padBottom],
        [padLeft, padRight],
        [0, 0],
      ],
      dataFormat: "NHWC",
    } as unknown as tf.NamedAttrMap,
    backend,
  );
  temporaries.push(gradT);
  const grad = callWasmKernel("Transpose", { x: gradT }, { perm: [1, 2, 0, 3] }, backend);
  disposeInfos(backend, ...temporaries);
  return grad;
}

/** Kernel registration record for {@link conv2dBackpropFilterWasm}. */
export const conv2dBackpropFilterWasmConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: "wasm",
  kernelFunc: conv2dBackpropFilterWasm,
};

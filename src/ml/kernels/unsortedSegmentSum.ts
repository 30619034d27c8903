import * as tf from "@tensorflow/tfjs";
import { callWasmKernel, disposeInfos, type KernelArgs } from "./wasmKernelCalls";

/**
 * `UnsortedSegmentSum` for the wasm backend, which lacks it — and `tf.gather`'s gradient is one,
 * so nothing that gathers rows (a localizer's chosen cells) can train there without it:
 * `out[s, …] = Σ_{i: segmentIds[i] = s} x[i, …]` is wasm's `ScatterNd` of `x` at indices
 * `segmentIds` as `[N, 1]` (duplicates are summed; ids outside [0, numSegments) must not occur).
 *
 * Inputs: `x [N, …]`, `segmentIds [N]` int32; attrs `numSegments`. Output `[numSegments, …]`.
 */
export function unsortedSegmentSumWasm(args: KernelArgs): tf.TensorInfo {
  const { inputs, backend } = args;
  const { numSegments } = args.attrs as unknown as tf.UnsortedSegmentSumAttrs;
  const x = inputs.x as tf.TensorInfo;
  const segmentIds = inputs.segmentIds as tf.TensorInfo;
  if (segmentIds.shape.length !== 1 || segmentIds.shape[0] !== x.shape[0])
    throw new Error("wasm UnsortedSegmentSum supports one segment id per row of x");
  const indices = callWasmKernel("Reshape", { x: segmentIds }, { shape: [segmentIds.shape[0], 1] }, backend);
  const sum = callWasmKernel(
    "ScatterNd",
    { indices, updates: x },
    { shape: [numSegments, ...x.shape.slice(1)] },
    backend,
  );
  disposeInfos(backend, indices);
  return sum;
}

/** Kernel registration record for {@link unsortedSegmentSumWasm}. */
export const unsortedSegmentSumWasmConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: "wasm",
  kernelFunc: unsortedSegmentSumWasm,
};

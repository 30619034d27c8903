import * as tf from "@tensorflow/tfjs";
import { callWasmKernel, disposeInfos, type KernelArgs } from "./wasmKernelCalls";

/**
 * Faster `Tile` for wasm: the stock kernel copies element by element, which dominates the
 * batch-norm gradient's `[1,1,1,C] → [B,H,W,C]` broadcast. Each repeated axis is built by
 * copy-doubling with `Concat` (log₂(reps) block copies), innermost axis first.
 *
 * Input `x` of any rank; attrs `{reps: number[]}`; output `x` tiled `reps[i]` times along axis i.
 */
export function makeTileWasm(stockKernel: tf.KernelFunc): tf.KernelFunc {
  return function tileWasm(args: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
    const x = args.inputs.x as tf.TensorInfo;
    const { reps } = args.attrs as unknown as tf.TileAttrs;
    if (x.dtype === "string" || x.dtype === "complex64") return stockKernel(args);
    let current = x;
    for (let axis = reps.length - 1; axis >= 0; axis--) {
      if (reps[axis] === 1) continue;
      const next = repeatAlongAxis(current, axis, reps[axis], args.backend);
      if (current !== x) disposeInfos(args.backend, current);
      current = next;
    }
    return current === x ? callWasmKernel("Identity", { x }, {}, args.backend) : current;
  };
}

/** `x` concatenated with itself `count` times along `axis`, by doubling then one partial copy. */
function repeatAlongAxis(
  x: tf.TensorInfo,
  axis: number,
  count: number,
  backend: KernelArgs["backend"],
): tf.TensorInfo {
  let block = callWasmKernel("Identity", { x }, {}, backend);
  let blockCount = 1;
  while (blockCount * 2 <= count) {
    const doubled = callWasmKernel(
      "Concat",
      [block, block] as unknown as tf.NamedTensorInfoMap,
      { axis },
      backend,
    );
    disposeInfos(backend, block);
    block = doubled;
    blockCount *= 2;
  }
  if (blockCount === count) return block;
  const restSize = x.shape.slice();
  restSize[axis] = x.shape[axis] * (count - blockCount);
  const rest = callWasmKernel(
    "Slice",
    { x: block },
    { begin: x.shape.map(() => 0), size: restSize },
    backend,
  );
  const result = callWasmKernel(
    "Concat",
    [block, rest] as unknown as tf.NamedTensorInfoMap,
    { axis },
    backend,
  );
  disposeInfos(backend, block, rest);
  return result;
}

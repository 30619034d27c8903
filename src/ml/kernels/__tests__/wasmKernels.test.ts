import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../backend";
import { createRandom } from "../../random";

type Pad = "same" | "valid" | [[0, 0], [number, number], [number, number], [0, 0]];

interface ConvCase {
  kernelSize: number;
  stride: number;
  pad: Pad;
  inChannels: number;
}

const EXPLICIT_PAD: Pad = [
  [0, 0],
  [1, 2],
  [2, 0],
  [0, 0],
];
const INPUT_SIZE = 13;

function randomArray(length: number, seed: number): Float32Array {
  const random = createRandom(seed);
  return Float32Array.from({ length }, () => random.next() * 2 - 1);
}

/** Gradients of `sum(conv2d(x, w) · dy)` with respect to x and w, as plain arrays. */
function convGradients(c: ConvCase): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const xShape: [number, number, number, number] = [2, INPUT_SIZE, INPUT_SIZE, c.inChannels];
    const wShape: [number, number, number, number] = [c.kernelSize, c.kernelSize, c.inChannels, 4];
    const x = tf.tensor4d(randomArray(tf.util.sizeFromShape(xShape), 1), xShape);
    const w = tf.tensor4d(randomArray(tf.util.sizeFromShape(wShape), 2), wShape);
    const forward = (xs: tf.Tensor, ws: tf.Tensor) =>
      tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, c.stride, c.pad);
    const outShape = forward(x, w).shape;
    const dy = tf.tensor(randomArray(tf.util.sizeFromShape(outShape), 3), outShape);
    const [dx, dw] = tf.grads(forward)([x, w], dy);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  const scale = Math.max(1e-6, ...expected.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
  return worst;
}

function padName(pad: Pad): string {
  return typeof pad === "string" ? pad : "explicit";
}

const cases: ConvCase[] = [];
for (let kernelSize = 1; kernelSize <= 11; kernelSize++) {
  for (const stride of [1, 2, 4]) {
    for (const pad of ["same", "valid", EXPLICIT_PAD] as Pad[]) {
      // 16 input channels exercise the rewritten input gradient, 3 the stock one.
      for (const inChannels of [3, 16]) cases.push({ kernelSize, stride, pad, inChannels });
    }
  }
}

interface DepthwiseCase {
  kernelSize: number;
  stride: number;
  pad: Pad;
  multiplier: number;
}

/** Gradients of `sum(depthwiseConv2d(x, w) · dy)` with respect to x and w (6 input channels). */
function depthwiseGradients(c: DepthwiseCase): { dx: Float32Array; dw: Float32Array } {
  return tf.tidy(() => {
    const xShape: [number, number, number, number] = [2, INPUT_SIZE, INPUT_SIZE, 6];
    const wShape: [number, number, number, number] = [c.kernelSize, c.kernelSize, 6, c.multiplier];
    const x = tf.tensor4d(randomArray(tf.util.sizeFromShape(xShape), 11), xShape);
    const w = tf.tensor4d(randomArray(tf.util.sizeFromShape(wShape), 12), wShape);
    const forward = (xs: tf.Tensor, ws: tf.Tensor) =>
      tf.depthwiseConv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, c.stride, c.pad);
    const outShape = forward(x, w).shape;
    const dy = tf.tensor(randomArray(tf.util.sizeFromShape(outShape), 13), outShape);
    const [dx, dw] = tf.grads(forward)([x, w], dy);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
}

/** Explicit padding wider than a 3×3 filter: the input gradient crops instead of padding. */
const WIDE_PAD: Pad = [
  [0, 0],
  [3, 0],
  [0, 4],
  [0, 0],
];
const depthwiseCases: DepthwiseCase[] = [];
for (const kernelSize of [1, 2, 3, 5]) {
  for (const stride of [1, 2, 3]) {
    for (const pad of ["same", "valid", EXPLICIT_PAD] as Pad[]) {
      for (const multiplier of [1, 2]) depthwiseCases.push({ kernelSize, stride, pad, multiplier });
    }
  }
}
depthwiseCases.push({ kernelSize: 3, stride: 1, pad: WIDE_PAD, multiplier: 1 });
depthwiseCases.push({ kernelSize: 3, stride: 2, pad: WIDE_PAD, multiplier: 2 });

/** The gradient of `sum(gather(x, indices) · dy)` with respect to x (an `UnsortedSegmentSum`), duplicates included. */
function gatherGradient(): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor2d(randomArray(10 * 7, 21), [10, 7]);
    const indices = tf.tensor1d([3, 0, 9, 3, 3, 5, 0], "int32");
    const dy = tf.tensor2d(randomArray(7 * 7, 22), [7, 7]);
    const [dx] = tf.grads((xs: tf.Tensor) => tf.gather(xs, indices))([x], dy);
    return dx.dataSync() as Float32Array;
  });
}

/** Gradients of a batch norm with per-channel statistics (its backward pass tiles `[C]` to `[B,H,W,C]`). */
function batchNormGradients(): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(randomArray(2 * 4 * 4 * 16, 4), [2, 4, 4, 16]);
    const [mean, variance, offset, scale] = [5, 6, 7, 8].map((seed) =>
      tf.tensor1d(randomArray(16, seed).map((v) => Math.abs(v) + 0.5)),
    );
    const f = (xs: tf.Tensor, m: tf.Tensor, v: tf.Tensor, o: tf.Tensor, s: tf.Tensor) =>
      tf.batchNorm(
        xs as tf.Tensor4D,
        m as tf.Tensor1D,
        v as tf.Tensor1D,
        o as tf.Tensor1D,
        s as tf.Tensor1D,
        1e-3,
      );
    const dy = tf.tensor4d(randomArray(2 * 4 * 4 * 16, 9), [2, 4, 4, 16]);
    return tf
      .grads(f)([x, mean, variance, offset, scale], dy)
      .map((g) => g.dataSync() as Float32Array);
  });
}

describe("wasm training kernels", () => {
  const expected = new Map<ConvCase, { dx: Float32Array; dw: Float32Array }>();
  const expectedDepthwise = new Map<DepthwiseCase, { dx: Float32Array; dw: Float32Array }>();
  let expectedBatchNorm: Float32Array[] = [];
  let expectedGather: Float32Array = new Float32Array();

  beforeAll(async () => {
    tf.env().set("IS_TEST", true); // silences the cpu backend's "install tfjs-node" banner
    await selectBackend("cpu");
    for (const c of cases) expected.set(c, convGradients(c));
    for (const c of depthwiseCases) expectedDepthwise.set(c, depthwiseGradients(c));
    expectedBatchNorm = batchNormGradients();
    expectedGather = gatherGradient();
    await selectBackend("wasm");
  });

  it("runs on wasm with a Conv2DBackpropFilter kernel registered", () => {
    expect(tf.getBackend()).toBe("wasm");
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeDefined();
  });

  it.each(cases.map((c) => ({ ...c, padName: padName(c.pad), case: c })))(
    "matches cpu gradients for a $kernelSize×$kernelSize kernel, stride $stride, $padName padding, $inChannels input channels",
    ({ case: c }) => {
      const actual = convGradients(c);
      const reference = expected.get(c)!;
      expect(maxRelativeError(actual.dw, reference.dw)).toBeLessThan(1e-5);
      expect(maxRelativeError(actual.dx, reference.dx)).toBeLessThan(1e-5);
    },
  );

  it.each(depthwiseCases.map((c) => ({ ...c, padName: padName(c.pad), case: c })))(
    "matches cpu depthwise gradients for a $kernelSize×$kernelSize kernel, stride $stride, $padName padding, multiplier $multiplier",
    ({ case: c }) => {
      const actual = depthwiseGradients(c);
      const reference = expectedDepthwise.get(c)!;
      expect(actual.dw.length).toBe(reference.dw.length);
      expect(actual.dx.length).toBe(reference.dx.length);
      expect(maxRelativeError(actual.dw, reference.dw)).toBeLessThan(1e-5);
      expect(maxRelativeError(actual.dx, reference.dx)).toBeLessThan(1e-5);
    },
  );

  it("leaks neither tensors nor wasm buffers", () => {
    const tensorsBefore = tf.memory().numTensors;
    const buffersBefore = tf.engine().backend.numDataIds();
    for (const c of cases.slice(0, 12)) convGradients(c);
    for (const c of depthwiseCases.slice(0, 12)) depthwiseGradients(c);
    depthwiseGradients(depthwiseCases[depthwiseCases.length - 1]);
    gatherGradient();
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.engine().backend.numDataIds()).toBe(buffersBefore);
  });

  it("matches cpu's gather gradient (UnsortedSegmentSum), summing repeated indices", () => {
    const actual = gatherGradient();
    expect(actual.length).toBe(expectedGather.length);
    expect(maxRelativeError(actual, expectedGather)).toBeLessThan(1e-6);
  });

  it("matches cpu batch-norm gradients (which run through the replaced Tile)", () => {
    const actual = batchNormGradients();
    actual.forEach((gradient, i) =>
      expect(maxRelativeError(gradient, expectedBatchNorm[i])).toBeLessThan(1e-5),
    );
  });

  it("tiles like the stock kernel, including partial doublings", () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 1, 2, 3]);
    const tiled = tf.tile(x, [3, 2, 5, 1]);
    expect(tiled.shape).toEqual([3, 2, 10, 3]);
    expect(Array.from(tiled.dataSync().slice(0, 12))).toEqual([1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6]);
    expect(tiled.sum().dataSync()[0]).toBe(21 * 30);
    tf.dispose([x, tiled]);
  });
});

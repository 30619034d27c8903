import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../backend";
import { foldBatchNorm } from "../batchNormFolding";
import { compileForInference, type CompileSummary } from "../inferenceGraph";
import { alexnetLite } from "../models/alexnetLite";
import { composeBackboneAndHead, loadMobileNetV2Backbone, mobilenetV2Head } from "../models/mobilenetV2";
import { resnet18v2 } from "../models/resnet18v2";
import { createRandom, type Random } from "../random";

/**
 * Agreement asked of a compiled plan: max |compiled − model.predict| ≤ TOLERANCE · max(1, max |expected|),
 * i.e. absolute for probabilities and relative to the output's scale for unbounded features.
 */
const TOLERANCE = 1e-4;

/** Gives every BatchNormalization random, non-trivial statistics so folding changes the weights. */
function randomizeBatchNorms(model: tf.LayersModel, random: Random): void {
  const ranges: Record<string, [number, number]> = {
    gamma: [0.5, 1.5],
    beta: [-0.2, 0.2],
    moving_mean: [-0.2, 0.2],
    moving_variance: [0.5, 2],
  };
  for (const layer of model.layers.filter((l) => l.getClassName() === "BatchNormalization")) {
    layer.setWeights(
      layer.weights.map((weight) => {
        const [low, high] = ranges[weight.originalName.split("/").pop() as string];
        const size = weight.shape.reduce<number>((product, side) => product * (side ?? 1), 1);
        return tf.tensor(
          Array.from({ length: size }, () => random.uniform(low, high)),
          weight.shape as number[],
        );
      }),
    );
  }
}

/** The model cut before its `head` layer: the features, unbounded, a stricter check than probabilities. */
function featuresOf(model: tf.LayersModel): tf.LayersModel {
  return tf.model({ inputs: model.inputs, outputs: model.getLayer("head").input as tf.SymbolicTensor });
}

/** Largest deviation of the compiled plan from `model.predict`, in units of the output's scale. */
function relativeDeviation(model: tf.LayersModel, imageCount: number, seed: number): number {
  const compiled = compileForInference(model);
  try {
    return tf.tidy(() => {
      const [, height, width, channels] = model.inputs[0].shape as number[];
      const batch = tf.randomUniform([imageCount, height, width, channels], 0, 1, "float32", seed);
      const expected = model.predict(batch) as tf.Tensor;
      const actual = compiled.predict(batch as tf.Tensor4D);
      expect(actual.shape).toEqual(expected.shape);
      const scale = Math.max(1, tf.max(tf.abs(expected)).dataSync()[0]);
      return tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0] / scale;
    });
  } finally {
    compiled.dispose();
  }
}

function summaryOf(model: tf.LayersModel): CompileSummary {
  const compiled = compileForInference(model);
  compiled.dispose();
  return compiled.summary;
}

beforeAll(() => selectBackend("auto"));

describe("foldBatchNorm", () => {
  it("scales each output channel by gamma/sqrt(variance+epsilon) and shifts the bias by beta - mean·scale", () => {
    const folded = foldBatchNorm(new Float32Array([1, 2, 3, 4]), new Float32Array([1, -1]), {
      gamma: new Float32Array([4, 3]),
      beta: new Float32Array([0.5, 0]),
      movingMean: new Float32Array([1, 0]),
      movingVariance: new Float32Array([3, 0]),
      epsilon: 1,
    });
    expect(Array.from(folded.kernel)).toEqual([2, 6, 6, 12]);
    expect(Array.from(folded.bias)).toEqual([0.5, -3]);
  });

  it("takes gamma 1, beta 0 and bias 0 when the layers have none", () => {
    const folded = foldBatchNorm(new Float32Array([1, 2]), undefined, {
      movingMean: new Float32Array([2, 4]),
      movingVariance: new Float32Array([3, 15]),
      epsilon: 1,
    });
    expect(Array.from(folded.kernel)).toEqual([0.5, 0.5]);
    expect(Array.from(folded.bias)).toEqual([-1, -1]);
  });

  it("refuses a kernel whose size is not a multiple of the channel count", () => {
    expect(() =>
      foldBatchNorm(new Float32Array(5), undefined, {
        movingMean: new Float32Array(2),
        movingVariance: new Float32Array(2),
        epsilon: 1e-3,
      }),
    ).toThrow("cannot fold a batch norm of 2 channels into a kernel of 5 values");
  });
});

describe("compileForInference on LogoLab's architectures (random batch-norm statistics)", () => {
  let cacheDir: string;
  let mobileNet: { model: tf.LayersModel; release: () => void };
  let backbone: tf.LayersModel;
  let head: tf.LayersModel;
  let alexnet: tf.LayersModel;
  let resnet: tf.LayersModel;

  beforeAll(async () => {
    cacheDir = await mkdtemp(path.join(os.tmpdir(), "logolab-inference-graph-"));
    const random = createRandom(7);
    backbone = await loadMobileNetV2Backbone({ cacheDir, imageSize: 64 });
    head = mobilenetV2Head(1280, 5, 3);
    mobileNet = composeBackboneAndHead(backbone, head);
    randomizeBatchNorms(mobileNet.model, random);
    alexnet = alexnetLite({ imageSize: 96, classCount: 4, seed: 1 });
    resnet = resnet18v2({ imageSize: 64, classCount: 6, seed: 2 });
    randomizeBatchNorms(resnet, random);
  });

  afterAll(async () => {
    mobileNet.release();
    for (const model of [backbone, head, alexnet, resnet]) model.dispose();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it("folds MobileNetV2's 52 batch norms, fuses its 35 ReLU6 and merges its 5 paddings", () => {
    expect(summaryOf(mobileNet.model)).toEqual({
      foldedBatchNorms: 52,
      fusedActivations: 35,
      mergedPaddings: 5,
      fallbackLayers: [],
      // 157 layers (the backbone's 156 and the head) less the input and the 92 absorbed.
      stepCount: 64,
    });
  });

  it.each([1, 5])("predicts as MobileNetV2 (64 px) model.predict does at batch %i", (imageCount) => {
    expect(relativeDeviation(mobileNet.model, imageCount, 11)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeDeviation(featuresOf(mobileNet.model), imageCount, 12)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("runs the Sequential AlexNet-lite as 7 ops with nothing left to the layers engine", () => {
    expect(summaryOf(alexnet)).toEqual({
      foldedBatchNorms: 0,
      fusedActivations: 0,
      mergedPaddings: 0,
      fallbackLayers: [],
      stepCount: 7,
    });
  });

  it.each([1, 5])("predicts as AlexNet-lite (96 px) model.predict does at batch %i", (imageCount) => {
    expect(relativeDeviation(alexnet, imageCount, 21)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeDeviation(featuresOf(alexnet), imageCount, 22)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("folds only ResNet18v2's conv-fed batch norms; the pre-activation ones after an Add stay", () => {
    const summary = summaryOf(resnet);
    expect(summary).toMatchObject({ foldedBatchNorms: 8, fusedActivations: 8, fallbackLayers: [] });
  });

  it.each([1, 5])("predicts as ResNet18v2 (64 px) model.predict does at batch %i", (imageCount) => {
    expect(relativeDeviation(resnet, imageCount, 31)).toBeLessThanOrEqual(TOLERANCE);
    expect(relativeDeviation(featuresOf(resnet), imageCount, 32)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("keeps no tensor past a prediction and frees its folded weights on dispose", () => {
    const before = tf.memory().numTensors;
    const compiled = compileForInference(mobileNet.model);
    expect(tf.memory().numTensors).toBe(before + 2 * 52);
    expect(compiled.weightBytes).toBeGreaterThan(0);
    const batch = tf.randomUniform([2, 64, 64, 3]) as tf.Tensor4D;
    const afterCompile = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) compiled.predict(batch).dispose();
    expect(batch.isDisposed).toBe(false);
    expect(tf.memory().numTensors).toBe(afterCompile);
    batch.dispose();
    compiled.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("compileForInference on layers it cannot fold", () => {
  /**
   * conv → BN → ReLU6 (folded, fused); pad → depthwise 'valid' (merged) → BN → relu; a conv read by
   * both a BN and an Add (BN left alone); LayerNormalization (fallback); BN after a pool (alone);
   * dense → BN (folded) → softmax.
   */
  function edgeCaseModel(random: Random): tf.LayersModel {
    const init = () => tf.initializers.glorotUniform({ seed: random.seed() });
    const input = tf.input({ shape: [12, 12, 3] });
    const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) =>
      layer.apply(x) as tf.SymbolicTensor;
    let x = apply(
      tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: "same", kernelInitializer: init() }),
      input,
    );
    x = apply(tf.layers.batchNormalization({ name: "bn_after_conv" }), x);
    x = apply(tf.layers.reLU({ maxValue: 6 }), x);
    x = apply(
      tf.layers.zeroPadding2d({
        padding: [
          [1, 2],
          [0, 1],
        ],
      }),
      x,
    );
    x = apply(
      tf.layers.depthwiseConv2d({
        kernelSize: 3,
        strides: 2,
        depthMultiplier: 2,
        depthwiseInitializer: init(),
      }),
      x,
    );
    x = apply(tf.layers.batchNormalization({ name: "bn_after_depthwise", center: false }), x);
    x = apply(tf.layers.activation({ activation: "relu" }), x);
    const shared = apply(tf.layers.conv2d({ filters: 16, kernelSize: 1, kernelInitializer: init() }), x);
    const normalized = apply(tf.layers.batchNormalization({ name: "bn_beside_add", scale: false }), shared);
    x = apply(tf.layers.add(), [shared, normalized]);
    x = apply(tf.layers.layerNormalization({ name: "layer_norm" }), x);
    x = apply(tf.layers.maxPooling2d({ poolSize: 2 }), x);
    x = apply(tf.layers.batchNormalization({ name: "bn_after_pool" }), x);
    x = apply(tf.layers.flatten(), x);
    x = apply(tf.layers.dense({ units: 5, kernelInitializer: init() }), x);
    x = apply(tf.layers.batchNormalization({ name: "bn_after_dense" }), x);
    x = apply(tf.layers.activation({ activation: "softmax", name: "head" }), x);
    const model = tf.model({ inputs: input, outputs: x });
    randomizeBatchNorms(model, random);
    return model;
  }

  let model: tf.LayersModel;
  beforeAll(() => {
    model = edgeCaseModel(createRandom(5));
  });
  afterAll(() => model.dispose());

  it("folds the conv-, depthwise- and dense-fed batch norms and runs LayerNormalization through layer.apply", () => {
    expect(summaryOf(model)).toMatchObject({
      foldedBatchNorms: 3,
      fusedActivations: 2,
      mergedPaddings: 1,
      fallbackLayers: ["layer_norm"],
    });
  });

  it.each([1, 5])("predicts as model.predict does at batch %i", (imageCount) => {
    expect(relativeDeviation(model, imageCount, 41)).toBeLessThanOrEqual(TOLERANCE);
    const beforeHead = tf.model({ inputs: model.inputs, outputs: model.getLayer("bn_after_dense").output });
    expect(relativeDeviation(beforeHead as tf.LayersModel, imageCount, 42)).toBeLessThanOrEqual(TOLERANCE);
  });

  it("refuses a model with two outputs", () => {
    const twoOutputs = tf.model({
      inputs: model.inputs,
      outputs: [model.outputs[0], model.getLayer("bn_after_dense").output as tf.SymbolicTensor],
    });
    expect(() => compileForInference(twoOutputs)).toThrow(
      `compileForInference needs one input and one output; ${twoOutputs.name} has 1 and 2`,
    );
  });
});

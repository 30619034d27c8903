import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../backend";
import {
  LIVE_WEIGHTS_BIN,
  loadCheckpoint,
  readManifest,
  readWeightAverageState,
  restoreOptimizerState,
  saveCheckpoint,
  STANDARD_PREPROCESSING,
} from "../checkpoint";
import { withDefaults } from "../hyperparameters";
import { fileModelHandler } from "../modelFiles";
import { createOptimizer, disposeOptimizer, withWeightDecay } from "../optimizers";
import { trainableVariables } from "../train";
import { alexnetLite } from "../models/alexnetLite";
import { placeholderEpochMetrics } from "./fixtures/epochMetrics";

const METRICS = placeholderEpochMetrics(["a", "b"]);

function tinyModel(seed: number): tf.LayersModel {
  return tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [3],
        units: 4,
        activation: "relu",
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
        name: "hidden",
      }),
      tf.layers.dense({
        units: 2,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
        name: "head",
      }),
    ],
  });
}

describe("checkpoints", () => {
  let directory: string;

  beforeAll(async () => {
    await selectBackend("auto");
    directory = await mkdtemp(path.join(os.tmpdir(), "logolab-checkpoint-"));
  });

  afterAll(() => rm(directory, { recursive: true, force: true }));

  /** The manifest of a {@link tinyModel} checkpoint. */
  function tinyManifest(architecture: "ALEXNET_LITE" | "LOCALIZER") {
    return {
      architecture,
      labels: ["a", "b"],
      imageSize: 96,
      preprocessing: STANDARD_PREPROCESSING,
      epoch: 1,
      metrics: METRICS,
      hyperparameters: withDefaults({}),
    };
  }

  async function saveTiny(name: string, optimizer?: tf.Optimizer): Promise<string> {
    const model = tinyModel(1);
    const target = path.join(directory, name);
    await saveCheckpoint(target, {
      model,
      manifest: tinyManifest("ALEXNET_LITE"),
      ...(optimizer
        ? { training: { optimizer, optimizerName: "ADAM", history: [METRICS], bestEpoch: 1 } }
        : {}),
    });
    model.dispose();
    return target;
  }

  it("round-trips a model and its manifest, with the weights' sha256", async () => {
    const target = await saveTiny("plain");
    const { model, manifest } = await loadCheckpoint(target);
    expect(manifest.labels).toEqual(["a", "b"]);
    expect(manifest.weightsSha256).toMatch(/^[0-9a-f]{64}$/);
    const original = tinyModel(1);
    const input = tf.tensor2d([[1, 2, 3]]);
    const [expected, actual] = [original.predict(input) as tf.Tensor, model.predict(input) as tf.Tensor];
    expect(Array.from(actual.dataSync())).toEqual(Array.from(expected.dataSync()));
    tf.dispose([input, expected, actual]);
    original.dispose();
    model.dispose();
  });

  it("refuses weights whose sha256 does not match the manifest", async () => {
    const target = await saveTiny("corrupt");
    const weights = await readFile(path.join(target, "weights.bin"));
    weights[0] ^= 0xff;
    await writeFile(path.join(target, "weights.bin"), weights);
    await expect(readManifest(target)).rejects.toThrow(/weights have sha256 .* manifest says/);
  });

  it("restores Adam's moments and step count into a fresh optimizer", async () => {
    const variable = tf.variable(tf.tensor1d([1, 2]), true, "v");
    const optimizer = createOptimizer("ADAM", 0.1);
    for (let i = 0; i < 3; i++)
      optimizer.minimize(() => tf.sum(tf.square(variable)) as tf.Scalar, false, [variable]);
    const target = await saveTiny("adam", optimizer);
    const fresh = createOptimizer("ADAM", 0.1);
    await restoreOptimizerState(target, await readManifest(target), fresh);
    const [saved, restored] = [await optimizer.getWeights(), await fresh.getWeights()];
    expect(restored.map((w) => Array.from(w.tensor.dataSync()))).toEqual(
      saved.map((w) => Array.from(w.tensor.dataSync())),
    );
    tf.dispose([saved[0].tensor, restored[0].tensor, variable]);
    disposeOptimizer(optimizer);
    disposeOptimizer(fresh);
  });

  it("keeps a weight average's live weights and update count beside the model, and refuses them corrupted", async () => {
    const optimizer = createOptimizer("ADAM", 0.1);
    const model = tinyModel(1);
    const live = { live_0: tf.tensor2d([[1.5, -2]]), live_1: tf.tensor1d([0.25]) };
    const target = path.join(directory, "averaged");
    await saveCheckpoint(target, {
      model,
      manifest: tinyManifest("LOCALIZER"),
      training: {
        optimizer,
        optimizerName: "ADAM",
        history: [METRICS],
        bestEpoch: 1,
        weightAverage: { liveWeights: live, steps: 71 },
      },
    });
    const manifest = await readManifest(target);
    const saved = await readWeightAverageState(target, manifest);
    expect(saved?.steps).toBe(71);
    expect(Object.keys(saved!.liveWeights).sort()).toEqual(["live_0", "live_1"]);
    expect(Array.from(saved!.liveWeights.live_0.dataSync())).toEqual([1.5, -2]);
    expect(saved!.liveWeights.live_0.shape).toEqual([1, 2]);
    expect(Array.from(saved!.liveWeights.live_1.dataSync())).toEqual([0.25]);
    tf.dispose(Object.values(saved!.liveWeights));
    // A checkpoint without an average (every other trainer's) answers undefined.
    const plain = await saveTiny("no-average", optimizer);
    expect(await readWeightAverageState(plain, await readManifest(plain))).toBeUndefined();

    const bytes = await readFile(path.join(target, LIVE_WEIGHTS_BIN));
    bytes[0] ^= 0xff;
    await writeFile(path.join(target, LIVE_WEIGHTS_BIN), bytes);
    await expect(readWeightAverageState(target, manifest)).rejects.toThrow(/live weights is corrupt/);
    tf.dispose(Object.values(live));
    model.dispose();
    disposeOptimizer(optimizer);
  });

  it("loads multi-shard tfjs models (as tensorflowjs_converter writes them)", async () => {
    const model = tinyModel(3);
    const single = path.join(directory, "single");
    await model.save(fileModelHandler(single));
    const modelJson = JSON.parse(await readFile(path.join(single, "model.json"), "utf8"));
    const bytes = await readFile(path.join(single, "weights.bin"));
    const sharded = path.join(directory, "sharded");
    await fileModelHandler(sharded).save!({
      modelTopology: modelJson.modelTopology,
      weightSpecs: [],
      weightData: new ArrayBuffer(0),
    });
    await writeFile(path.join(sharded, "a.bin"), bytes.subarray(0, 20));
    await writeFile(path.join(sharded, "b.bin"), bytes.subarray(20));
    modelJson.weightsManifest[0].paths = ["a.bin", "b.bin"];
    await writeFile(path.join(sharded, "model.json"), JSON.stringify(modelJson));
    const loaded = await tf.loadLayersModel(fileModelHandler(sharded));
    expect(Array.from(loaded.getLayer("head").getWeights()[0].dataSync())).toEqual(
      Array.from(model.getLayer("head").getWeights()[0].dataSync()),
    );
    loaded.dispose();
    model.dispose();
  });
});

describe("optimizers and trainable layers", () => {
  it("adds weightDecay·w to each gradient", () => {
    const w = tf.variable(tf.tensor1d([2, -4]), true, "decay_w");
    const decayed = withWeightDecay({ decay_w: tf.tensor1d([1, 1]) }, new Map([["decay_w", w]]), 0.5);
    expect(Array.from(decayed.decay_w.dataSync())).toEqual([2, -1]);
    tf.dispose([w, ...Object.values(decayed)]);
  });

  it("disposes every tensor an optimizer made, including momentum's learning-rate scalar", () => {
    const before = tf.memory().numTensors;
    for (const name of ["SGD", "MOMENTUM", "ADAM"] as const) disposeOptimizer(createOptimizer(name, 0.01));
    expect(tf.memory().numTensors).toBe(before);
  });

  it("selects the head, the top n layers with weights, or all of them", () => {
    const model = alexnetLite({ imageSize: 96, classCount: 2, seed: 1 });
    const names = (t: Parameters<typeof trainableVariables>[1]) =>
      trainableVariables(model, t).map((v) => v.name.split("/")[0]);
    expect(names("HEAD")).toEqual(["head", "head"]);
    expect(names(2)).toEqual(["fc1", "fc1", "head", "head"]);
    expect(names("ALL")).toHaveLength(8);
    model.dispose();
  });
});

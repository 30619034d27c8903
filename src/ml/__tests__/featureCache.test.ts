import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../backend";
import { Classifier } from "../../serving/classifier";
import { readManifest } from "../checkpoint";
import { cachedFeatures, featureCacheKeyHash, type FeatureCacheKey } from "../featureCache";
import { withDefaults } from "../hyperparameters";
import {
  ensureMobileNetV2Files,
  loadMobileNetV2Backbone,
  MOBILENET_V2_BACKBONE_ID,
} from "../models/mobilenetV2";
import { train, type BatchProgress, type TrainingData } from "../train";
import { splitItems, writeShapeDataset } from "./fixtures/shapeImages";

describe("MobileNetV2 backbone, feature cache and head-only training", () => {
  let directory: string;
  let cacheDir: string;
  let data: TrainingData;
  let backbone: tf.LayersModel;

  beforeAll(async () => {
    await selectBackend("auto");
    directory = await mkdtemp(path.join(os.tmpdir(), "logolab-features-"));
    cacheDir = path.join(directory, "cache");
    const { labels, items } = await writeShapeDataset({
      directory: path.join(directory, "images"),
      classCount: 3,
      imagesPerClass: 14,
      seed: 5,
      size: 80,
    });
    data = { labels, ...splitItems(items, 4, 0) };
    delete data.test;
    backbone = await loadMobileNetV2Backbone({ cacheDir, imageSize: 64 });
  });

  afterAll(async () => {
    backbone.dispose();
    await rm(directory, { recursive: true, force: true });
  });

  it("decodes nsfwjs's bundled weights once into the cache dir, verified by sha256", async () => {
    const modelDir = await ensureMobileNetV2Files(cacheDir);
    expect((await readdir(modelDir)).sort()).toEqual(["model.json", "weights.bin"]);
    expect(await ensureMobileNetV2Files(cacheDir)).toBe(modelDir);
  });

  it("cuts the network at the pooled 1280-d features, or at pooled mid-network taps", async () => {
    expect(backbone.outputs[0].shape).toEqual([null, 1280]);
    const tapped = await loadMobileNetV2Backbone({
      cacheDir,
      imageSize: 64,
      taps: ["block_13_expand_relu", "out_relu"],
    });
    expect(tapped.outputs[0].shape).toEqual([null, 576 + 1280]);
    tapped.dispose();
    await expect(loadMobileNetV2Backbone({ cacheDir, imageSize: 64, taps: ["nope"] })).rejects.toThrow(
      'unknown MobileNetV2 tap "nope"',
    );
  });

  it("computes embeddings once per key and reuses them from disk", async () => {
    const key: FeatureCacheKey = {
      datasetVersion: "v1",
      split: "train",
      backboneId: MOBILENET_V2_BACKBONE_ID,
      taps: ["out_relu"],
      imageSize: 64,
      augmentations: ["HORIZONTAL_FLIP"],
      views: 2,
      seed: 1,
    };
    const before = tf.memory().numTensors;
    const first = await cachedFeatures(cacheDir, key, backbone, data.train);
    expect(tf.memory().numTensors).toBe(before);
    expect(first.isFromCache).toBe(false);
    expect(first.features.length).toBe(2 * data.train.length * 1280);
    const second = await cachedFeatures(cacheDir, key, backbone, data.train);
    expect(second.isFromCache).toBe(true);
    expect(second.features).toEqual(first.features);
    expect(Array.from(second.labels)).toEqual(data.train.map((item) => item.label));
    const otherDraw = await cachedFeatures(cacheDir, { ...key, seed: 2 }, backbone, data.train);
    expect(otherDraw.isFromCache).toBe(false);
  });

  it("hashes keys independently of field order", () => {
    const key: FeatureCacheKey = {
      datasetVersion: "v",
      split: "train",
      backboneId: "b",
      taps: ["t"],
      imageSize: 64,
      augmentations: [],
      views: 1,
      seed: 0,
    };
    const reordered = Object.fromEntries(Object.entries(key).reverse()) as unknown as FeatureCacheKey;
    expect(featureCacheKeyHash(reordered)).toBe(featureCacheKeyHash(key));
    expect(featureCacheKeyHash({ ...key, imageSize: 96 })).not.toBe(featureCacheKeyHash(key));
  });

  it("trains a Dense head on cached features and saves a backbone+head model for inference", async () => {
    const tensorsBefore = tf.memory().numTensors;
    const hyperparameters = withDefaults({
      architecture: "MOBILENET_V2",
      pretrained: true,
      trainableLayers: "HEAD",
      imageSize: 64,
      batchSize: 8,
      epochs: 4,
      optimizer: "ADAM",
      learningRate: 0.01,
      weightDecay: 0,
      seed: 3,
    });
    const result = await train({
      hyperparameters,
      data,
      checkpointDir: path.join(directory, "run"),
      cacheDir,
      datasetVersion: "v1",
      featureViews: 2,
    });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(result.status).toBe("SUCCEEDED");
    const best = result.epochs.find((e) => e.epoch === result.bestEpoch)!;
    expect(best.valAccuracy).toBeGreaterThan(0.6);

    const manifest = await readManifest(result.bestCheckpoint!);
    expect(manifest.backbone).toEqual({ id: MOBILENET_V2_BACKBONE_ID, taps: ["out_relu"] });
    // Served as classifyImage serves it: the saved backbone + head reproduce the cached-feature accuracy.
    const classifier = new Classifier();
    const outputs = await Promise.all(
      data.validation.map(async (item) =>
        classifier.classify(result.bestCheckpoint!, await readFile(item.source as string), 1),
      ),
    );
    await classifier.close();
    const correct = outputs.filter((o, i) => o.label === data.labels[data.validation[i].label]).length;
    expect(correct / outputs.length).toBe(best.valAccuracy);
  });

  it("reports EMBEDDING progress over every split and view before TRAINING, and none on cache hits", async () => {
    const hyperparameters = withDefaults({
      architecture: "MOBILENET_V2",
      pretrained: true,
      trainableLayers: "HEAD",
      imageSize: 48,
      batchSize: 8,
      epochs: 1,
      seed: 4,
    });
    const trainOnce = async (runDir: string) => {
      const progress: BatchProgress[] = [];
      await train({
        hyperparameters,
        data,
        checkpointDir: path.join(directory, runDir),
        cacheDir,
        datasetVersion: "embedding-progress",
        featureViews: 2,
        onBatch: (p) => void progress.push(p),
      });
      return progress;
    };
    const first = await trainOnce("embedding-1");
    const embedding = first.filter((p) => p.phase === "EMBEDDING");
    const training = first.filter((p) => p.phase === "TRAINING");
    const imagesTotal = data.train.length * 2 + data.validation.length;
    // Backbone batches of 16: two views of the training split, one pass over validation.
    const batchCount = Math.ceil(data.train.length / 16) * 2 + Math.ceil(data.validation.length / 16);
    expect(embedding.length).toBe(batchCount);
    expect(first.indexOf(training[0])).toBe(embedding.length);
    expect(embedding.map((p) => p.batch)).toEqual(Array.from({ length: batchCount }, (_, i) => i + 1));
    for (const [i, p] of embedding.entries()) {
      expect(p).toMatchObject({ epoch: 1, batchCount, imagesTotal, loss: null });
      expect(p.imagesPerSecond).toBeGreaterThan(0);
      if (i > 0) expect(p.imagesDone).toBeGreaterThan(embedding[i - 1].imagesDone);
    }
    expect(embedding.at(-1)!.imagesDone).toBe(imagesTotal);
    expect(training.length).toBeGreaterThan(0);
    expect(training.every((p) => typeof p.loss === "number" && p.imagesTotal === data.train.length)).toBe(
      true,
    );

    const cachedRun = await trainOnce("embedding-2");
    expect(cachedRun.filter((p) => p.phase === "EMBEDDING")).toEqual([]);
  });
});

import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { InvalidImageError, RateLimitedError } from "../../errors";
import { selectBackend } from "../../ml/backend";
import { readManifest, type CheckpointManifest } from "../../ml/checkpoint";
import { referenceProbabilities } from "../../ml/__tests__/fixtures/referencePredictions";
import { Classifier, type ClassificationOutput, type ClassifierOptions } from "../classifier";
import { decide } from "../../ml/evaluate";
import { withDefaults } from "../../ml/hyperparameters";
import { InProcessInference } from "../../ml/inferenceEngine";
import { InferenceThread } from "../../ml/inferenceThread";
import type { LabeledImage } from "../../ml/batches";
import { NO_LOGO_LABEL } from "../../ml/noLogoThreshold";
import { train } from "../../ml/train";
import { badImageInputs } from "../../ml/__tests__/fixtures/badImages";
import { splitItems, writeShapeDataset } from "../../ml/__tests__/fixtures/shapeImages";
import { startedWorkers } from "../../ml/__tests__/fixtures/recordedWorkers";

jest.mock("node:worker_threads", () =>
  jest
    .requireActual<typeof import("../../ml/__tests__/fixtures/recordedWorkers")>(
      "../../ml/__tests__/fixtures/recordedWorkers",
    )
    .recordingWorkerThreads(),
);

/** Runs `count` calls of `task` with at most `concurrency` in flight. */
async function runPool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

describe("Classifier (AlexNet-lite trained in the test, 96 px, 3 shapes + no-logo)", () => {
  let directory: string;
  let checkpointDir: string;
  let manifest: CheckpointManifest;
  let images: Array<{ bytes: Buffer; label: number }>;
  /** Tensors of this thread with no model loaded. */
  let mainTensorsWithoutModels = 0;

  beforeAll(async () => {
    await selectBackend("auto");
    directory = await mkdtemp(path.join(os.tmpdir(), "logolab-classifier-"));
    const generated = await writeShapeDataset({
      directory: path.join(directory, "images"),
      classCount: 4,
      imagesPerClass: 22,
      seed: 3,
    });
    // The fourth class stands in for FlickrLogos' no-logo images, so training picks a threshold.
    const labels = [...generated.labels.slice(0, 3), NO_LOGO_LABEL];
    const { train: trainItems, validation, test } = splitItems(generated.items, 4, 4);
    await train({
      hyperparameters: withDefaults({
        architecture: "ALEXNET_LITE",
        imageSize: 96,
        batchSize: 8,
        epochs: 3,
        optimizer: "MOMENTUM",
        learningRate: 0.01,
        seed: 7,
      }),
      data: { labels, train: trainItems, validation, test },
      checkpointDir: path.join(directory, "run"),
    });
    checkpointDir = path.join(directory, "run", "best");
    manifest = await readManifest(checkpointDir);
    const heldOut: LabeledImage[] = [...validation, ...test];
    images = await Promise.all(
      heldOut.map(async (item) => ({ bytes: await readFile(item.source as string), label: item.label })),
    );
    mainTensorsWithoutModels = tf.memory().numTensors;
  }, 60_000);

  afterAll(() => rm(directory, { recursive: true, force: true }));

  it("stores a no-logo threshold chosen on validation data in the checkpoint manifest", () => {
    expect(manifest.labels[3]).toBe(NO_LOGO_LABEL);
    expect(manifest.noLogoThreshold).toBeGreaterThan(0);
    expect(manifest.noLogoThreshold).toBeLessThanOrEqual(1);
    expect(manifest.noLogoThreshold).toBe(manifest.metrics.noLogoThreshold);
  });

  describe.each([
    { mode: "forward passes in the calling thread", isInferenceThreadEnabled: false },
    { mode: "forward passes in an inference worker thread", isInferenceThreadEnabled: true },
  ])("$mode", ({ isInferenceThreadEnabled }) => {
    const createClassifier = (options: ClassifierOptions = {}) =>
      new Classifier({ isInferenceThreadEnabled, ...options });
    /** The inference side's tensors with no model loaded: this thread's count, or none in the worker. */
    const tensorsWithoutModels = () => (isInferenceThreadEnabled ? 0 : mainTensorsWithoutModels);

    it("classifies held-out images exactly as the run's evaluation preprocessing and threshold say", async () => {
      const classifier = createClassifier();
      const outputs = await Promise.all(
        images.map((image) => classifier.classify(checkpointDir, image.bytes, 4)),
      );
      const reference = await referenceProbabilities(
        checkpointDir,
        images.map((image) => image.bytes),
      );
      const classCount = manifest.labels.length;
      outputs.forEach((output, i) => {
        const byLabel = new Map(output.topK.map((entry) => [entry.label, entry.probability]));
        manifest.labels.forEach((label, c) => expect(byLabel.get(label)).toBeCloseTo(reference[i][c], 5));
        const noLogo = manifest.labels.indexOf(NO_LOGO_LABEL);
        const [expected] = decide(reference[i], classCount, noLogo, manifest.noLogoThreshold);
        expect(output.label).toBe(manifest.labels[expected]);
        expect(output.isLogo).toBe(reference[i][noLogo] < manifest.noLogoThreshold!);
        expect(output.weightsSha256).toBe(manifest.weightsSha256);
      });
      const correct = outputs.filter((output, i) => output.label === manifest.labels[images[i].label]).length;
      expect(correct / images.length).toBeGreaterThanOrEqual(0.6);
      await classifier.close();
    });

    it("answers 8 concurrent requests with fewer forward passes when batching", async () => {
      const classifier = createClassifier({ maxQueueDelayMs: 50 });
      await Promise.all(
        images.slice(0, 8).map((image) => classifier.classify(checkpointDir, image.bytes, 1)),
      );
      const stats = classifier.stats();
      expect(stats.classifiedImages).toBe(8);
      expect(stats.forwardPasses).toBeLessThan(8);
      expect(stats.largestBatch).toBeGreaterThan(1);
      await classifier.close();
    });

    it("runs every request in its own forward pass when batching is off", async () => {
      const classifier = createClassifier({ isBatchingEnabled: false });
      expect(classifier.isBatchingEnabled).toBe(false);
      await Promise.all(
        images.slice(0, 8).map((image) => classifier.classify(checkpointDir, image.bytes, 1)),
      );
      expect(classifier.stats()).toMatchObject({ forwardPasses: 8, largestBatch: 1, classifiedImages: 8 });
      await classifier.close();
    });

    it("refuses requests beyond maxQueueLength with RateLimitedError and a retry-after hint", async () => {
      const classifier = createClassifier({ maxQueueLength: 4 });
      const results = await Promise.allSettled(
        images.slice(0, 10).map((image) => classifier.classify(checkpointDir, image.bytes, 1)),
      );
      const rejected = results.filter((result) => result.status === "rejected");
      expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(4);
      expect(rejected).toHaveLength(6);
      for (const result of rejected) {
        const error = (result as PromiseRejectedResult).reason as RateLimitedError;
        expect(error).toBeInstanceOf(RateLimitedError);
        expect(error.message).toMatch(/^the inference queue is full \(4 requests\); retry in \d+ ms$/);
        expect(error.details.retryAfterMs).toBeGreaterThan(0);
      }
      expect(classifier.stats()).toMatchObject({ rejectedRequests: 6, pendingRequests: 0 });
      await classifier.close();
    });

    describe("bad input", () => {
      let classifier: Classifier;
      let cases: Array<[string, Buffer]>;
      let tensorsBefore = 0;

      beforeAll(async () => {
        classifier = createClassifier();
        const jpeg = images.find((image) => image.bytes[0] === 0xff)!.bytes;
        cases = await badImageInputs(jpeg);
        await classifier.classify(checkpointDir, images[0].bytes, 1); // load the model first
        tensorsBefore = classifier.stats().inferenceTensors;
      });

      afterAll(() => classifier.close());

      it.each([
        "empty input",
        "plain text",
        "an SVG",
        "an animated GIF",
        "a truncated JPEG",
        "a PNG declaring 30000×30000 pixels",
        "a PNG signature followed by garbage",
      ])("rejects %s with InvalidImageError, then still classifies a good image", async (name) => {
        const bytes = cases.find(([caseName]) => caseName === name)![1];
        await expect(classifier.classify(checkpointDir, bytes, 1)).rejects.toThrow(InvalidImageError);
        const output = await classifier.classify(checkpointDir, images[1].bytes, 1);
        expect(manifest.labels).toContain(output.label);
        expect(classifier.stats().inferenceTensors).toBe(tensorsBefore);
      });

      it("names the reason: unsupported format before decoding, too many pixels from the header", async () => {
        const named = Object.fromEntries(cases);
        await expect(classifier.classify(checkpointDir, named["empty input"], 1)).rejects.toThrow(
          "the image is empty",
        );
        await expect(classifier.classify(checkpointDir, named["an SVG"], 1)).rejects.toThrow(
          `not a JPEG, PNG or WebP image (${named["an SVG"].length} bytes)`,
        );
        await expect(
          classifier.classify(checkpointDir, named["a PNG declaring 30000×30000 pixels"], 1),
        ).rejects.toThrow(/too many pixels/);
      });

      it("rejects a bad image that arrives in the middle of a batch without failing its neighbours", async () => {
        const requests = [images[2].bytes, cases[4][1], images[3].bytes, images[4].bytes].map((bytes) =>
          classifier.classify(checkpointDir, bytes, 1),
        );
        const results = await Promise.allSettled(requests);
        expect(results.map((result) => result.status)).toEqual([
          "fulfilled",
          "rejected",
          "fulfilled",
          "fulfilled",
        ]);
        expect(classifier.stats().inferenceTensors).toBe(tensorsBefore);
      });
    });

    it("leaves the inference side's numTensors unchanged after 1,000 classifications", async () => {
      const classifier = createClassifier();
      await classifier.classify(checkpointDir, images[0].bytes, 1);
      const tensorsWithModel = classifier.stats().inferenceTensors;
      expect(tensorsWithModel).toBeGreaterThan(tensorsWithoutModels());
      const outputs: ClassificationOutput[] = await runPool(1000, 32, (i) =>
        classifier.classify(checkpointDir, images[i % images.length].bytes, 3),
      );
      expect(outputs).toHaveLength(1000);
      expect(classifier.stats().inferenceTensors).toBe(tensorsWithModel);
      expect(classifier.stats().classifiedImages).toBe(1001);
      await classifier.close();
      expect(classifier.stats().inferenceTensors).toBe(tensorsWithoutModels());
      // With the worker, the models never touch this thread.
      expect(tf.memory().numTensors).toBe(mainTensorsWithoutModels);
    }, 120_000);

    it("evicts the least recently used checkpoint once the cache holds more bytes than cacheBytes", async () => {
      const copies = ["a", "b"].map((name) =>
        path.join(directory, `copies-${isInferenceThreadEnabled}`, name),
      );
      await Promise.all(copies.map((copy) => cp(checkpointDir, copy, { recursive: true })));
      const probe = createClassifier();
      await probe.classify(checkpointDir, images[0].bytes, 1);
      const modelBytes = probe.stats().cachedBytes;
      await probe.close();
      expect(modelBytes).toBeGreaterThan(0);

      const classifier = createClassifier({ cacheBytes: Math.floor(modelBytes * 2.5) });
      for (const dir of [checkpointDir, copies[0], checkpointDir, copies[1]]) {
        await classifier.classify(dir, images[0].bytes, 1);
      }
      // Used in the order best, a, best, b: a was the least recently used when b arrived.
      expect(classifier.isLoaded(copies[0])).toBe(false);
      expect(classifier.isLoaded(checkpointDir)).toBe(true);
      expect(classifier.isLoaded(copies[1])).toBe(true);
      expect(classifier.stats()).toMatchObject({
        cachedModels: 2,
        cachedBytes: 2 * modelBytes,
        modelLoads: 3,
        modelEvictions: 1,
      });
      await classifier.close();
      expect(classifier.stats().inferenceTensors).toBe(tensorsWithoutModels());
    });

    it("finishes in-flight requests on a checkpoint evicted mid-batch, then frees it", async () => {
      const classifier = createClassifier();
      await classifier.classify(checkpointDir, images[0].bytes, 1);
      const requests = images.slice(0, 8).map((image) => classifier.classify(checkpointDir, image.bytes, 1));
      expect(classifier.evict(checkpointDir)).toBe(true);
      const outputs = await Promise.all(requests);
      expect(outputs.every((output) => output.weightsSha256 === manifest.weightsSha256)).toBe(true);
      // The evicted model left the cache, so close() cannot be what frees it.
      await classifier.close();
      expect(classifier.stats().inferenceTensors).toBe(tensorsWithoutModels());
    });

    it("refuses work after close()", async () => {
      const classifier = createClassifier();
      await classifier.close();
      await expect(classifier.classify(checkpointDir, images[0].bytes, 1)).rejects.toThrow(
        "the classifier is closed",
      );
    });

    it("reports the event loop's longest stall around a forward pass of 16 (asserted only off-thread: it keeps turning)", async () => {
      const engine = isInferenceThreadEnabled ? InferenceThread.prototype : InProcessInference.prototype;
      const forwards: Array<{ startedAt: number; endedAt: number }> = [];
      const original = engine.predict;
      const timedPredict = jest.spyOn(engine, "predict").mockImplementation(async function (
        this: typeof engine,
        ...args: Parameters<typeof original>
      ) {
        const startedAt = performance.now();
        try {
          return await original.apply(this, args);
        } finally {
          forwards.push({ startedAt, endedAt: performance.now() });
        }
      });
      const classifier = createClassifier({ maxBatchSize: 16, maxQueueDelayMs: 5_000 });
      await classifier.classify(checkpointDir, images[0].bytes, 1); // load the model first
      forwards.length = 0;
      const ticks = [performance.now()];
      const ticker = setInterval(() => ticks.push(performance.now()), 1);
      try {
        await Promise.all(
          images.slice(0, 16).map((image) => classifier.classify(checkpointDir, image.bytes, 1)),
        );
        ticks.push(performance.now());
      } finally {
        clearInterval(ticker);
        timedPredict.mockRestore();
        await classifier.close();
      }
      expect(forwards).toHaveLength(1);
      const [{ startedAt, endedAt }] = forwards;
      const ticksDuringForward = ticks.filter((at) => at > startedAt && at < endedAt).length;
      const maxLagMs = Math.max(...ticks.slice(1).map((at, i) => at - ticks[i]));
      console.info(
        `${isInferenceThreadEnabled ? "inference thread" : "calling thread"}: forward of 16 took ${(endedAt - startedAt).toFixed(0)} ms; ` +
          `the event loop ticked ${ticksDuringForward} times meanwhile, longest gap ${maxLagMs.toFixed(0)} ms`,
      );
      if (isInferenceThreadEnabled) expect(ticksDuringForward).toBeGreaterThan(0);
    });
  });

  describe("inference worker crash", () => {
    it("rejects the requests of the batch in flight with the reason, then serves the next request from a fresh worker", async () => {
      const classifier = new Classifier({
        isInferenceThreadEnabled: true,
        maxBatchSize: 8,
        maxQueueDelayMs: 5_000,
      });
      await classifier.classify(checkpointDir, images[0].bytes, 1); // start the worker, load the model
      const crashed = startedWorkers.at(-1)!;
      const original = InferenceThread.prototype.predict;
      const crashingPredict = jest
        .spyOn(InferenceThread.prototype, "predict")
        .mockImplementationOnce(function (this: InferenceThread, ...args: Parameters<typeof original>) {
          const probabilities = original.apply(this, args);
          void crashed.terminate();
          return probabilities;
        });
      try {
        const results = await Promise.allSettled(
          images.slice(0, 8).map((image) => classifier.classify(checkpointDir, image.bytes, 1)),
        );
        for (const result of results) {
          expect(result.status).toBe("rejected");
          expect((result as PromiseRejectedResult).reason).toEqual(
            new Error("the inference worker exited unexpectedly (code 1)"),
          );
        }
      } finally {
        crashingPredict.mockRestore();
      }
      const output = await classifier.classify(checkpointDir, images[1].bytes, 1);
      expect(output.weightsSha256).toBe(manifest.weightsSha256);
      expect(startedWorkers.at(-1)).not.toBe(crashed);
      expect(classifier.stats()).toMatchObject({ pendingRequests: 0, modelLoads: 1 });
      await classifier.close();
      expect(classifier.stats().inferenceTensors).toBe(0);
    });
  });

  it("rejects options that cannot work", () => {
    expect(() => new Classifier({ maxBatchSize: 0 })).toThrow("maxBatchSize must be ≥ 1, got 0");
    expect(() => new Classifier({ maxQueueLength: 1.5 })).toThrow("maxQueueLength must be ≥ 1, got 1.5");
    expect(() => new Classifier({ maxQueueDelayMs: -1 })).toThrow("maxQueueDelayMs must be ≥ 0, got -1");
    expect(() => new Classifier({ decodeConcurrency: 0 })).toThrow("decodeConcurrency must be ≥ 1, got 0");
  });
});

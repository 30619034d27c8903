import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../backend";
import { loadCheckpoint, readManifest, saveCheckpoint, STANDARD_PREPROCESSING } from "../checkpoint";
import { withDefaults } from "../hyperparameters";
import { forwardPass, weightBytes } from "../inferenceEngine";
import { InferenceThread } from "../inferenceThread";
import { alexnetLite } from "../models/alexnetLite";
import { startedWorkers } from "./fixtures/recordedWorkers";
import { placeholderEpochMetrics } from "./fixtures/epochMetrics";

jest.mock("node:worker_threads", () =>
  jest
    .requireActual<typeof import("./fixtures/recordedWorkers")>("./fixtures/recordedWorkers")
    .recordingWorkerThreads(),
);

const IMAGE_SIZE = 96;
const LABELS = ["a", "b", "c"];
const METRICS = placeholderEpochMetrics(LABELS);

/** `imageCount` images `[96, 96, 3]` of seeded noise in [0, 1]. */
function noiseBatch(imageCount: number, seed: number): Float32Array {
  const batch = new Float32Array(imageCount * IMAGE_SIZE * IMAGE_SIZE * 3);
  let state = seed;
  for (let i = 0; i < batch.length; i++) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    batch[i] = state / 2 ** 31;
  }
  return batch;
}

describe("InferenceThread (untrained AlexNet-lite 96 px, 3 classes)", () => {
  let directory: string;
  let checkpointDir: string;
  /** What the same checkpoint predicts in this thread for `noiseBatch(4, 1)`. */
  let expected: Float32Array;
  let expectedWeightBytes: number;

  beforeAll(async () => {
    await selectBackend("auto");
    directory = await mkdtemp(path.join(os.tmpdir(), "logolab-inference-thread-"));
    checkpointDir = path.join(directory, "checkpoint");
    const model = alexnetLite({ imageSize: IMAGE_SIZE, classCount: LABELS.length, seed: 5 });
    await saveCheckpoint(checkpointDir, {
      model,
      manifest: {
        architecture: "ALEXNET_LITE",
        labels: LABELS,
        imageSize: IMAGE_SIZE,
        preprocessing: STANDARD_PREPROCESSING,
        epoch: 1,
        metrics: METRICS,
        hyperparameters: withDefaults({}),
      },
    });
    model.dispose();
    const loaded = await loadCheckpoint(checkpointDir);
    expected = forwardPass(loaded.model, noiseBatch(4, 1), 4, IMAGE_SIZE);
    expectedWeightBytes = weightBytes(loaded.model);
    loaded.model.dispose();
  });

  afterAll(() => rm(directory, { recursive: true, force: true }));

  it("loads the checkpoint in a worker on this process's backend and reports its manifest and weight bytes", async () => {
    const thread = new InferenceThread({ mlBackend: "auto" });
    const { manifest, weightBytes: bytes } = await thread.load(checkpointDir);
    expect(thread.backend).toBe(tf.getBackend());
    expect(manifest).toEqual(await readManifest(checkpointDir));
    expect(bytes).toBe(expectedWeightBytes);
    await thread.close();
  });

  it("predicts what the same model predicts in this thread, taking the batch over and leaking no tensor", async () => {
    const thread = new InferenceThread({ mlBackend: "auto" });
    const { model } = await thread.load(checkpointDir);
    const withModel = thread.numTensors;
    expect(withModel).toBeGreaterThan(0);
    for (let round = 0; round < 5; round++) {
      const batch = noiseBatch(4, 1);
      const probabilities = await thread.predict(model, batch, 4);
      expect(batch.byteLength).toBe(0); // transferred, not copied
      expect(probabilities).toHaveLength(4 * LABELS.length);
      probabilities.forEach((probability, i) => expect(probability).toBeCloseTo(expected[i], 5));
      expect(thread.numTensors).toBe(withModel);
    }
    thread.dispose(model);
    await thread.close();
    expect(thread.numTensors).toBe(0);
  });

  it("rejects a failed load with the worker's error and goes on serving other requests", async () => {
    const thread = new InferenceThread({ mlBackend: "auto" });
    const missing = path.join(directory, "missing");
    const [failed, loaded] = await Promise.allSettled([thread.load(missing), thread.load(checkpointDir)]);
    expect(failed.status).toBe("rejected");
    expect(((failed as PromiseRejectedResult).reason as Error).message).toContain(
      path.join(missing, "manifest.json"),
    );
    const { model } = (loaded as PromiseFulfilledResult<Awaited<ReturnType<InferenceThread["load"]>>>).value;
    await expect(thread.predict(model, noiseBatch(4, 1), 4)).resolves.toHaveLength(4 * LABELS.length);
    await thread.close();
  });

  it("rejects only the forward pass that fails in the worker (a batch of the wrong size)", async () => {
    const thread = new InferenceThread({ mlBackend: "auto" });
    const { model } = await thread.load(checkpointDir);
    const [bad, good] = await Promise.allSettled([
      thread.predict(model, noiseBatch(3, 1), 4),
      thread.predict(model, noiseBatch(4, 1), 4),
    ]);
    expect(bad.status).toBe("rejected");
    expect((bad as PromiseRejectedResult).reason).toBeInstanceOf(Error);
    expect(((bad as PromiseRejectedResult).reason as Error).message).toMatch(/shape/);
    expect(good.status).toBe("fulfilled");
    await thread.close();
  });

  it("rejects pending requests when the worker dies, then starts a fresh one that reloads the model", async () => {
    const thread = new InferenceThread({ mlBackend: "auto" });
    const { model } = await thread.load(checkpointDir);
    const crashed = startedWorkers.at(-1)!;
    const pending = [thread.predict(model, noiseBatch(4, 1), 4), thread.predict(model, noiseBatch(4, 1), 4)];
    await crashed.terminate();
    for (const request of pending) {
      await expect(request).rejects.toThrow(/^the inference worker exited unexpectedly \(code 1\)/);
    }
    const probabilities = await thread.predict(model, noiseBatch(4, 1), 4);
    expect(startedWorkers.at(-1)).not.toBe(crashed);
    probabilities.forEach((probability, i) => expect(probability).toBeCloseTo(expected[i], 5));
    await thread.close();
  });

  it("terminates the worker on close() and refuses work afterwards", async () => {
    const thread = new InferenceThread({ mlBackend: "auto" });
    await thread.load(checkpointDir);
    const worker = startedWorkers.at(-1)!;
    const exited = new Promise((resolve) => worker.once("exit", resolve));
    await thread.close();
    await expect(exited).resolves.toBe(1);
    await expect(thread.load(checkpointDir)).rejects.toThrow("the inference thread is closed");
  });
});

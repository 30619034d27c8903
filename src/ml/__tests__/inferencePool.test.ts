import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { selectBackend } from "../backend";
import { loadCheckpoint, saveCheckpoint, STANDARD_PREPROCESSING } from "../checkpoint";
import { withDefaults } from "../hyperparameters";
import { forwardPass, weightBytes } from "../inferenceEngine";
import { InferencePool, leastBusyIndex } from "../inferencePool";
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

describe("leastBusyIndex", () => {
  it("picks the thread with the fewest passes in flight, the first of equals", () => {
    expect(leastBusyIndex([0])).toBe(0);
    expect(leastBusyIndex([2, 1, 3])).toBe(1);
    expect(leastBusyIndex([1, 0, 0])).toBe(1);
    expect(leastBusyIndex([0, 0])).toBe(0);
  });
});

describe("InferencePool (2 threads, untrained AlexNet-lite 96 px, 3 classes)", () => {
  let directory: string;
  let checkpointDir: string;
  /** What the same checkpoint predicts in this thread for `noiseBatch(4, 1)`. */
  let expected: Float32Array;
  let expectedWeightBytes: number;

  beforeAll(async () => {
    await selectBackend("auto");
    directory = await mkdtemp(path.join(os.tmpdir(), "logolab-inference-pool-"));
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

  it("loads the model into every thread and counts its weights once per thread", async () => {
    const pool = new InferencePool(2, { mlBackend: "auto" });
    const before = startedWorkers.length;
    const { weightBytes: bytes } = await pool.load(checkpointDir);
    expect(startedWorkers.length - before).toBe(2);
    expect(bytes).toBe(2 * expectedWeightBytes);
    await pool.close();
  });

  it("sends concurrent passes to the least busy thread and answers what one thread would", async () => {
    const pool = new InferencePool(2, { mlBackend: "auto" });
    const { model } = await pool.load(checkpointDir);
    const withModel = pool.numTensors;
    const first = pool.predict(model, noiseBatch(4, 1), 4);
    const second = pool.predict(model, noiseBatch(4, 1), 4);
    expect(pool.passesInFlight).toEqual([1, 1]);
    const third = pool.predict(model, noiseBatch(4, 1), 4);
    expect(pool.passesInFlight).toEqual([2, 1]);
    for (const probabilities of await Promise.all([first, second, third])) {
      probabilities.forEach((probability, i) => expect(probability).toBeCloseTo(expected[i], 5));
    }
    expect(pool.passesInFlight).toEqual([0, 0]);
    expect(pool.numTensors).toBe(withModel);
    pool.dispose(model);
    await pool.close();
    expect(pool.numTensors).toBe(0);
  });

  it("keeps serving when one thread is killed under load: only its passes fail, then it comes back", async () => {
    const pool = new InferencePool(2, { mlBackend: "auto" });
    const before = startedWorkers.length;
    const { model } = await pool.load(checkpointDir);
    const [killed] = startedWorkers.slice(before);
    const passes = Array.from({ length: 10 }, () => pool.predict(model, noiseBatch(4, 1), 4));
    await killed.terminate();
    const settled = await Promise.allSettled(passes);
    const failed = settled.filter((result) => result.status === "rejected");
    // Passes alternate between the threads: the killed one had half of them.
    expect(failed).toHaveLength(5);
    for (const failure of failed) {
      expect(((failure as PromiseRejectedResult).reason as Error).message).toMatch(
        /^the inference worker exited unexpectedly/,
      );
    }
    const after = await Promise.all(
      Array.from({ length: 4 }, () => pool.predict(model, noiseBatch(4, 1), 4)),
    );
    for (const probabilities of after) {
      probabilities.forEach((probability, i) => expect(probability).toBeCloseTo(expected[i], 5));
    }
    expect(startedWorkers.length - before).toBe(3);
    await pool.close();
  });

  it("frees the copies already loaded when loading fails in a thread", async () => {
    const pool = new InferencePool(2, { mlBackend: "auto" });
    await expect(pool.load(path.join(directory, "missing"))).rejects.toThrow(/manifest\.json/);
    const { model } = await pool.load(checkpointDir);
    await expect(pool.predict(model, noiseBatch(4, 1), 4)).resolves.toHaveLength(4 * LABELS.length);
    await pool.close();
  });
});

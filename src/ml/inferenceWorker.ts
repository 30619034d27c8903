/**
 * Entry point of the inference worker thread (started by `InferenceThread`). Forward passes run
 * here so they do not block the API's event loop; on wasm, TensorFlow.js computes on the thread
 * that calls it, so this thread is also the machine's second core. Models live in this thread's
 * `InProcessInference`; the main thread refers to them by the ids this thread hands out.
 */
import { parentPort, workerData } from "node:worker_threads";
import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "./backend";
import { InProcessInference } from "./inferenceEngine";
import type { InferenceReply, InferenceRequest, InferenceWorkerData } from "./inferenceMessages";

if (parentPort === null) throw new Error("inferenceWorker.js must run as a worker thread");
const port = parentPort;
const engine = new InProcessInference();

const backendReady = selectBackend((workerData as InferenceWorkerData).mlBackend).then(() => {
  const ready: InferenceReply = { type: "ready", backend: tf.getBackend() };
  port.postMessage(ready);
});
// A failed selection fails every request with its reason (below), not the thread.
backendReady.catch(() => {});

/** Handles one request; what it allocates is freed or owned by `engine` when it returns. */
async function answer(
  request: InferenceRequest,
): Promise<{ reply: InferenceReply; transfer: ArrayBuffer[] }> {
  await backendReady;
  switch (request.type) {
    case "load": {
      const loaded = await engine.load(request.directory);
      return {
        reply: { type: "loaded", id: request.id, numTensors: engine.numTensors, loaded },
        transfer: [],
      };
    }
    case "predict": {
      const probabilities = await engine.predict(
        { modelId: request.modelId },
        request.batch,
        request.imageCount,
      );
      return {
        reply: { type: "predicted", id: request.id, numTensors: engine.numTensors, probabilities },
        transfer: [probabilities.buffer as ArrayBuffer],
      };
    }
    case "dispose":
      engine.dispose({ modelId: request.modelId });
      return { reply: { type: "disposed", id: request.id, numTensors: engine.numTensors }, transfer: [] };
  }
}

port.on("message", (request: InferenceRequest) => {
  answer(request).then(
    ({ reply, transfer }) => port.postMessage(reply, transfer),
    (error: unknown) => {
      const failed: InferenceReply = {
        type: "failed",
        id: request.id,
        numTensors: engine.numTensors,
        message: error instanceof Error ? error.message : String(error),
      };
      port.postMessage(failed);
    },
  );
});

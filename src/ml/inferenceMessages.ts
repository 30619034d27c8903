import type { MlBackendPreference } from "../config";
import type { LoadedModel } from "./inferenceEngine";

/** What the inference worker starts with (`workerData`). */
export interface InferenceWorkerData {
  /** The process's backend preference, so the worker computes on the same backend. */
  mlBackend: MlBackendPreference;
}

/** Main thread → worker. Each request carries an id its reply repeats; `modelId`s are the worker's. */
export type InferenceRequest =
  | { type: "load"; id: number; directory: string }
  /** `batch` `[imageCount, s, s, 3]` float32, its buffer transferred. */
  | { type: "predict"; id: number; modelId: number; batch: Float32Array; imageCount: number }
  | { type: "dispose"; id: number; modelId: number };

/**
 * Worker → main thread. Every reply to a request carries the worker's `tf.memory().numTensors`
 * after handling it, so the main thread can watch for leaks without asking.
 */
export type InferenceReply =
  /** Sent once, after the worker selected its backend: `tf.getBackend()` there. */
  | { type: "ready"; backend: string }
  | { type: "loaded"; id: number; numTensors: number; loaded: LoadedModel }
  /** `probabilities` `[imageCount, classCount]`, its buffer transferred. */
  | { type: "predicted"; id: number; numTensors: number; probabilities: Float32Array }
  | { type: "disposed"; id: number; numTensors: number }
  | { type: "failed"; id: number; numTensors: number; message: string };

/** The reply type that answers each request type. */
export interface ReplyTo {
  load: Extract<InferenceReply, { type: "loaded" }>;
  predict: Extract<InferenceReply, { type: "predicted" }>;
  dispose: Extract<InferenceReply, { type: "disposed" }>;
}

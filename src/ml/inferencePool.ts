import type { InferenceEngine, LoadedModel, ModelHandle } from "./inferenceEngine";
import { InferenceThread, type InferenceThreadOptions } from "./inferenceThread";

/** The index of the smallest count (the first of equals): the least busy thread. */
export function leastBusyIndex(inFlight: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < inFlight.length; i++) if (inFlight[i] < inFlight[best]) best = i;
  return best;
}

/**
 * Several inference threads behind one engine: on wasm a forward pass uses one core, so serving
 * uses every core only with a thread per core. Each model loads into every thread (its weights
 * once per thread, which is what {@link LoadedModel.weightBytes} reports); each forward pass goes
 * to the thread with the fewest passes in flight. A thread that crashes restarts on its own
 * (see {@link InferenceThread}) while the others keep serving.
 */
export class InferencePool implements InferenceEngine {
  private readonly threads: InferenceThread[];
  private readonly inFlight: number[];
  /** Our model id → that model's handle in each thread, in thread order. */
  private readonly handles = new Map<number, ModelHandle[]>();
  private nextModelId = 1;

  constructor(threadCount: number, options: InferenceThreadOptions) {
    if (!Number.isInteger(threadCount) || threadCount < 1) {
      throw new RangeError(`threadCount must be an integer ≥ 1, got ${threadCount}`);
    }
    this.threads = Array.from({ length: threadCount }, () => new InferenceThread(options));
    this.inFlight = this.threads.map(() => 0);
  }

  get threadCount(): number {
    return this.threads.length;
  }

  /** Forward passes in flight per thread, in thread order. */
  get passesInFlight(): readonly number[] {
    return [...this.inFlight];
  }

  /** Live tensors of every thread, as of each one's latest reply. */
  get numTensors(): number {
    return this.threads.reduce((sum, thread) => sum + thread.numTensors, 0);
  }

  /** Loads the checkpoint into every thread; if one fails, the others' copies are freed. */
  async load(directory: string): Promise<LoadedModel> {
    const settled = await Promise.allSettled(this.threads.map((thread) => thread.load(directory)));
    const failure = settled.find((result) => result.status === "rejected");
    if (failure) {
      settled.forEach((result, i) => {
        if (result.status === "fulfilled") this.threads[i].dispose(result.value.model);
      });
      throw failure.reason;
    }
    const loaded = settled.map((result) => (result as PromiseFulfilledResult<LoadedModel>).value);
    const model: ModelHandle = { modelId: this.nextModelId++ };
    this.handles.set(
      model.modelId,
      loaded.map((copy) => copy.model),
    );
    return {
      model,
      manifest: loaded[0].manifest,
      weightBytes: loaded.reduce((sum, copy) => sum + copy.weightBytes, 0),
    };
  }

  /** Runs the pass on the least busy thread. */
  async predict(model: ModelHandle, batch: Float32Array, imageCount: number): Promise<Float32Array> {
    const copies = this.handles.get(model.modelId);
    if (!copies) throw new Error(`model ${model.modelId} is not loaded in this pool`);
    const index = leastBusyIndex(this.inFlight);
    this.inFlight[index]++;
    try {
      return await this.threads[index].predict(copies[index], batch, imageCount);
    } finally {
      this.inFlight[index]--;
    }
  }

  dispose(model: ModelHandle): void {
    const copies = this.handles.get(model.modelId);
    if (!copies) return;
    this.handles.delete(model.modelId);
    copies.forEach((copy, i) => this.threads[i].dispose(copy));
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((thread) => thread.close()));
  }
}

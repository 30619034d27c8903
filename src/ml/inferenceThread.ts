import { existsSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { MlBackendPreference } from "../config";
import type { InferenceEngine, LoadedModel, ModelHandle } from "./inferenceEngine";
import type { InferenceReply, InferenceRequest, InferenceWorkerData, ReplyTo } from "./inferenceMessages";

/** The compiled worker entry (tests run from src/ with ts-jest; the worker always runs compiled). */
export function inferenceWorkerPath(): string {
  const compiled = path.join(__dirname, "inferenceWorker.js");
  if (existsSync(compiled)) return compiled;
  const fromDist = path.resolve(__dirname, "..", "..", "dist", "ml", "inferenceWorker.js");
  if (existsSync(fromDist)) return fromDist;
  throw new Error("the inference worker is not built: run `npm run build`");
}

/** Options of an {@link InferenceThread}. */
export interface InferenceThreadOptions {
  /** Backend preference the worker selects with (the process's `LOGOLAB_ML_BACKEND`). */
  mlBackend: MlBackendPreference;
}

interface PendingReply {
  resolve(reply: InferenceReply): void;
  reject(error: Error): void;
}

/** One worker thread, from its start to its exit; a crashed worker is replaced by a new session. */
interface WorkerSession {
  worker: Worker;
  pending: Map<number, PendingReply>;
  /** Our model id → the worker's handle, for models loaded (or loading) in this worker. */
  models: Map<number, Promise<ModelHandle>>;
  /** Set once the worker has exited: why requests to it fail. */
  exitError: Error | undefined;
  /** An uncaught error the worker reported before exiting. */
  crashError: Error | undefined;
  isStopping: boolean;
}

/**
 * Runs forward passes in a worker thread (src/ml/inferenceWorker.ts), so they do not block the
 * event loop. Requests carry ids; a request the worker fails rejects with the worker's error
 * message. If the worker exits unexpectedly, its pending requests reject and the next request
 * starts a fresh worker, which reloads the models it is asked to use. The worker starts on the
 * first `load`, and holds the process open only while requests are pending.
 */
export class InferenceThread implements InferenceEngine {
  private session: WorkerSession | undefined;
  /** Checkpoint directory of each live handle, to reload it into a fresh worker. */
  private readonly directories = new Map<number, string>();
  /** Everything asked of the worker and not yet settled (close waits for it). */
  private readonly outstanding = new Set<Promise<unknown>>();
  private nextModelId = 1;
  private nextRequestId = 1;
  private lastNumTensors = 0;
  private workerBackend: string | undefined;
  private isClosed = false;

  constructor(private readonly options: InferenceThreadOptions) {}

  /** The worker's `tf.memory().numTensors`, as of its latest reply (after close: when it stopped). */
  get numTensors(): number {
    return this.lastNumTensors;
  }

  /** `tf.getBackend()` in the worker, once it has started. */
  get backend(): string | undefined {
    return this.workerBackend;
  }

  load(directory: string): Promise<LoadedModel> {
    return this.track(async () => {
      const session = this.currentSession();
      const { loaded } = await this.request(session, { type: "load", id: this.nextRequestId++, directory });
      const model: ModelHandle = { modelId: this.nextModelId++ };
      this.directories.set(model.modelId, directory);
      session.models.set(model.modelId, Promise.resolve(loaded.model));
      return { ...loaded, model };
    });
  }

  /** Transfers `batch`'s buffer to the worker (it is detached here afterwards). */
  predict(model: ModelHandle, batch: Float32Array, imageCount: number): Promise<Float32Array> {
    return this.track(async () => {
      const session = this.currentSession();
      const workerModel = await this.workerModel(session, model);
      const { probabilities } = await this.request(
        session,
        { type: "predict", id: this.nextRequestId++, modelId: workerModel.modelId, batch, imageCount },
        [batch.buffer as ArrayBuffer],
      );
      return probabilities;
    });
  }

  dispose(model: ModelHandle): void {
    this.directories.delete(model.modelId);
    const session = this.session;
    const workerModel = session?.models.get(model.modelId);
    if (session === undefined || workerModel === undefined) return;
    session.models.delete(model.modelId);
    void this.track(async () => {
      try {
        const { modelId } = await workerModel;
        await this.request(session, { type: "dispose", id: this.nextRequestId++, modelId });
      } catch {
        // The load failed or the worker is gone: either way nothing is left to free.
      }
    });
  }

  /** Waits for everything asked of the worker (model disposals included), then terminates it. */
  async close(): Promise<void> {
    this.isClosed = true;
    while (this.outstanding.size > 0) await Promise.allSettled([...this.outstanding]);
    const session = this.session;
    this.session = undefined;
    if (session === undefined || session.exitError !== undefined) return;
    session.isStopping = true;
    await session.worker.terminate();
  }

  private track<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.outstanding.add(promise);
    const forget = () => this.outstanding.delete(promise);
    promise.then(forget, forget);
    return promise;
  }

  private currentSession(): WorkerSession {
    if (this.isClosed) throw new Error("the inference thread is closed");
    this.session ??= this.startSession();
    return this.session;
  }

  /** The worker's handle for `model`, loading it again if the worker was replaced since. */
  private workerModel(session: WorkerSession, model: ModelHandle): Promise<ModelHandle> {
    const known = session.models.get(model.modelId);
    if (known !== undefined) return known;
    const directory = this.directories.get(model.modelId);
    if (directory === undefined) return Promise.reject(new Error(`model ${model.modelId} is not loaded`));
    const reloading = this.request(session, { type: "load", id: this.nextRequestId++, directory }).then(
      ({ loaded }) => loaded.model,
    );
    session.models.set(model.modelId, reloading);
    // A failed reload is not remembered: the next request tries again.
    reloading.catch(() => {
      if (session.models.get(model.modelId) === reloading) session.models.delete(model.modelId);
    });
    return reloading;
  }

  private request<Request extends InferenceRequest>(
    session: WorkerSession,
    request: Request,
    transfer: ArrayBuffer[] = [],
  ): Promise<ReplyTo[Request["type"]]> {
    if (session.exitError !== undefined) return Promise.reject(session.exitError);
    return new Promise((resolve, reject) => {
      session.worker.postMessage(request, transfer);
      session.pending.set(request.id, { resolve: resolve as (reply: InferenceReply) => void, reject });
      this.holdProcessWhileBusy(session);
    });
  }

  private startSession(): WorkerSession {
    const workerData: InferenceWorkerData = { mlBackend: this.options.mlBackend };
    const worker = new Worker(inferenceWorkerPath(), { workerData });
    const session: WorkerSession = {
      worker,
      pending: new Map(),
      models: new Map(),
      exitError: undefined,
      crashError: undefined,
      isStopping: false,
    };
    worker.on("message", (reply: InferenceReply) => this.receive(session, reply));
    worker.on("error", (error) => (session.crashError = error));
    worker.on("exit", (code) => this.onExit(session, code));
    return session;
  }

  private receive(session: WorkerSession, reply: InferenceReply): void {
    if (reply.type === "ready") {
      this.workerBackend = reply.backend;
      return;
    }
    this.lastNumTensors = reply.numTensors;
    const pending = session.pending.get(reply.id);
    if (pending === undefined) return;
    session.pending.delete(reply.id);
    this.holdProcessWhileBusy(session);
    if (reply.type === "failed") pending.reject(new Error(reply.message));
    else pending.resolve(reply);
  }

  private onExit(session: WorkerSession, code: number): void {
    const reason = session.crashError === undefined ? "" : `: ${session.crashError.message}`;
    session.exitError = session.isStopping
      ? new Error("the inference thread is closed")
      : new Error(`the inference worker exited unexpectedly (code ${code})${reason}`);
    for (const pending of session.pending.values()) pending.reject(session.exitError);
    session.pending.clear();
    if (this.session === session) this.session = undefined;
  }

  /** An idle worker must not keep the process alive; one with requests pending must. */
  private holdProcessWhileBusy(session: WorkerSession): void {
    if (session.pending.size > 0) session.worker.ref();
    else session.worker.unref();
  }
}

import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import type { MlBackendPreference } from "../config";
import type { FromChild, ToChild, TrainingSpec } from "./trainingMessages";

/** How a training child ended. */
export type TrainingOutcome =
  | { kind: "finished"; status: "SUCCEEDED" | "CANCELLED" }
  | { kind: "failed"; message: string }
  /** The process died without reporting (crash, OOM abort, signal). */
  | { kind: "crashed"; message: string };

/** Handles the child's reports; `epoch` must resolve once the epoch is committed. */
export interface TrainingListener {
  onReady(backend: string): Promise<void>;
  onResumed(message: Extract<FromChild, { type: "resumed" }>): Promise<void>;
  onBatch(message: Extract<FromChild, { type: "batch" }>): void;
  onEpoch(message: Extract<FromChild, { type: "epoch" }>): Promise<void>;
}

/** The compiled child entry (tests run from src/ with ts-jest; the child always runs compiled). */
export function trainingChildPath(): string {
  const compiled = path.join(__dirname, "trainingChild.js");
  if (existsSync(compiled)) return compiled;
  const fromDist = path.resolve(__dirname, "..", "..", "dist", "jobs", "trainingChild.js");
  if (existsSync(fromDist)) return fromDist;
  throw new Error("the training child is not built: run `npm run build`");
}

/**
 * Forks a training child. It loads TensorFlow.js and selects `mlBackend` at once, before any run
 * is handed to it, so a child forked ahead of time (see TrainingChildSpare) starts training without
 * that delay.
 */
export function forkTrainingChild(mlBackend: MlBackendPreference): ChildProcess {
  return fork(trainingChildPath(), [mlBackend], {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "advanced",
  });
}

/**
 * One training run in a child process (a fresh one, or `child` forked earlier by
 * {@link forkTrainingChild}). Messages are handled one at a time, in order, so an epoch is
 * committed before the next report is looked at.
 */
export class TrainingProcess {
  private readonly child: ChildProcess;
  private queue: Promise<void> = Promise.resolve();
  private outcome: TrainingOutcome | undefined;
  readonly finished: Promise<TrainingOutcome>;

  constructor(
    spec: TrainingSpec,
    listener: TrainingListener,
    child: ChildProcess = forkTrainingChild(spec.mlBackend),
  ) {
    this.child = child;
    this.finished = new Promise((resolve) => {
      this.child.on("message", (message: FromChild) => {
        this.queue = this.queue
          .then(() => this.handle(message, listener))
          .catch((error: unknown) => {
            this.outcome ??= { kind: "failed", message: `recording progress failed: ${String(error)}` };
            this.child.kill("SIGKILL");
          });
      });
      this.child.on("exit", (code, signal) => {
        void this.queue.then(() => {
          resolve(
            this.outcome ?? {
              kind: "crashed",
              message: `training process exited (${signal ?? `code ${code}`}) without a result`,
            },
          );
        });
      });
    });
    this.send({ type: "start", spec });
  }

  private async handle(message: FromChild, listener: TrainingListener): Promise<void> {
    switch (message.type) {
      case "ready":
        return listener.onReady(message.backend);
      case "resumed":
        return listener.onResumed(message);
      case "batch":
        return listener.onBatch(message);
      case "epoch":
        await listener.onEpoch(message);
        this.send({ type: "epochRecorded", epoch: message.metrics.epoch });
        return;
      case "done":
        this.outcome = { kind: "finished", status: message.status };
        this.child.disconnect();
        return;
      case "failed":
        this.outcome = { kind: "failed", message: message.message };
        this.child.disconnect();
        return;
    }
  }

  private send(message: ToChild): void {
    if (this.child.connected) this.child.send(message);
  }

  /** Asks the child to stop after the current batch (cancellation). */
  requestStop(): void {
    this.send({ type: "stop" });
  }

  /** Ends the child at once (the run was taken away from this worker). */
  kill(): void {
    this.child.kill("SIGKILL");
  }
}

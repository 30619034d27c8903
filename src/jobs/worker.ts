import { randomUUID } from "node:crypto";
import os from "node:os";
import path from "node:path";
import type { MlBackendPreference } from "../config";
import type { Registry } from "../experiments/registry";
import type { Run } from "../experiments/runs";
import { hasCheckpoint, type EpochMetrics } from "../ml/checkpoint";
import type { BatchProgress } from "../ml/train";
import { freezeBestCheckpoint, runCheckpointDir } from "./checkpointStore";
import type { EventBus, RunEventMessage } from "./events";
import { retryWhileUnreachable } from "./databaseRetry";
import { epochRecordOf } from "./epochRecord";
import { ProgressThrottle } from "../progressThrottle";
import type { TrainingJob, TrainingQueue } from "./trainingQueue";
import { TrainingChildSpare } from "./trainingChildSpare";
import { TrainingProcess, type TrainingOutcome } from "./trainingProcess";
import type { TrainingSpec } from "./trainingMessages";

/** Timing and storage of a training worker. */
export interface WorkerSettings {
  artifactsDir: string;
  cacheDir: string;
  mlBackend: MlBackendPreference;
  /** How often the worker stamps its run (ms). */
  heartbeatMs: number;
  /** A RUNNING run whose stamp is older than this is considered orphaned (ms). */
  staleAfterMs: number;
  /** Attempts a run gets before a dying worker fails it for good. */
  maxAttempts: number;
  /** Least time between two progress events of one run (ms). */
  progressIntervalMs: number;
  /**
   * On stop, how long the run's child may take to reach the end of its batch before it is ended
   * (ms): a head-only run's embedding phase, or one long batch, must not hold a shutdown past its
   * deadline. Either way the run goes back to the queue and resumes from its last checkpoint.
   */
  stopGraceMs: number;
}

/** How a run left a worker: its final status, or back to the queue (the worker stopped). */
export type RunConclusion = "SUCCEEDED" | "FAILED" | "CANCELLED" | "REQUEUED";

/** Listens to what a worker does (metrics); every method is optional and must not throw. */
export interface TrainingObserver {
  /** An epoch was committed (its metrics carry `durationMs` and `imagesPerSecond`). */
  onEpochRecorded?(metrics: EpochMetrics): void;
  /** A run this worker trained ended or went back to the queue. */
  onRunConcluded?(conclusion: RunConclusion): void;
  /** A database step was retried because PostgreSQL could not be reached. */
  onDatabaseRetry?(step: DatabaseStep): void;
}

/** The worker's database steps that survive an outage by retrying. */
export type DatabaseStep = "claim" | "epoch" | "finish" | "requeue";

interface ActiveRun {
  runId: string;
  process: TrainingProcess;
  /** Why this worker asked the child to stop, if it did. */
  stopReason?: "cancel" | "shutdown";
}

/**
 * Pulls training jobs from the queue, one at a time, and runs each in a child process; records
 * every epoch (metrics, best checkpoint) before announcing it; stamps a heartbeat; re-queues runs
 * whose worker died. Several workers (processes or machines) may share one queue.
 */
export class TrainingWorker {
  readonly workerId = `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private active: ActiveRun | undefined;
  private timer: NodeJS.Timeout | undefined;
  private isStopping = false;
  private workId: string | undefined;
  private handling: Promise<void> = Promise.resolve();
  /** The next run's child, forked while this worker is idle. */
  private readonly spareChild: TrainingChildSpare;
  private observers: TrainingObserver[] = [];

  constructor(
    private readonly registry: Registry,
    private readonly queue: TrainingQueue,
    private readonly bus: EventBus,
    private readonly settings: WorkerSettings,
    private readonly logError: (error: unknown) => void = console.error,
  ) {
    this.spareChild = new TrainingChildSpare(settings.mlBackend);
  }

  /**
   * Reconciles orphaned runs, then starts taking jobs. `isSoleProcess` (the embedded database, which
   * only one process can open) means every RUNNING run was left by a process that is gone.
   */
  async start(isSoleProcess = false): Promise<void> {
    if (isSoleProcess) await this.reclaimAll();
    else await this.reapStale();
    this.spareChild.prepare();
    this.workId = await this.queue.work((job) => {
      this.handling = this.handle(job).finally(() => {
        if (!this.isStopping) this.spareChild.prepare();
      });
      return this.handling;
    });
    this.timer = setInterval(() => void this.tick().catch(this.logError), this.settings.heartbeatMs);
  }

  /**
   * Stops taking jobs; a run in progress is stopped at its next batch (or ended after
   * `stopGraceMs`) and handed back to the queue.
   */
  async stop(): Promise<void> {
    this.isStopping = true;
    clearInterval(this.timer);
    if (this.workId) await this.queue.stopWorking(this.workId);
    if (this.active) {
      this.active.stopReason = "shutdown";
      this.active.process.requestStop();
    }
    const killTimer = setTimeout(() => this.active?.process.kill(), this.settings.stopGraceMs);
    await this.handling;
    clearTimeout(killTimer);
    this.spareChild.close();
  }

  /** Whether a run is training on this worker now. */
  get isBusy(): boolean {
    return this.active !== undefined;
  }

  /** Adds a listener of epochs and run outcomes. */
  observe(observer: TrainingObserver): void {
    this.observers.push(observer);
  }

  private notify(event: (observer: TrainingObserver) => void): void {
    for (const observer of this.observers) {
      try {
        event(observer);
      } catch (error) {
        this.logError(error);
      }
    }
  }

  /** {@link retryWhileUnreachable}, reporting each retry to the observers. */
  private retrying<T>(step: DatabaseStep, work: () => Promise<T>): Promise<T> {
    return retryWhileUnreachable(work, {
      onRetry: () => this.notify((observer) => observer.onDatabaseRetry?.(step)),
    });
  }

  private async publish(message: Omit<RunEventMessage, "at">): Promise<void> {
    await this.bus.publish({ ...message, at: new Date().toISOString() });
  }

  /** Asks the active run's child to stop because a user cancelled it. */
  private stopForCancel(runId: string): void {
    const active = this.active;
    if (active?.runId !== runId || active.stopReason) return;
    active.stopReason = "cancel";
    active.process.requestStop();
  }

  /** Heartbeat of the run in progress (honouring cancellation) and the orphan reaper. */
  private async tick(): Promise<void> {
    const active = this.active;
    if (active) {
      const answer = await this.registry.runLifecycle.heartbeat(active.runId, this.workerId);
      if (!answer.isStillOwned && !this.isStopping) active.process.kill();
      else if (answer.isCancelRequested) this.stopForCancel(active.runId);
    }
    await this.reapStale();
  }

  /** Runs whose worker stopped stamping them go back to the queue (or fail after maxAttempts). */
  private async reapStale(): Promise<void> {
    const stale = await this.registry.runLifecycle.findStale(
      new Date(Date.now() - this.settings.staleAfterMs),
    );
    for (const run of stale) await this.recover(run, `worker ${run.workerId} stopped responding`);
  }

  private async reclaimAll(): Promise<void> {
    for (const run of await this.registry.runLifecycle.listRunning()) {
      await this.recover(run, "the process running it stopped");
    }
  }

  private async recover(run: Run, why: string): Promise<void> {
    if (!(await this.registry.runLifecycle.requeue(run))) return;
    if (run.jobId) await this.queue.cancel(run.jobId).catch(this.logError);
    if (run.attempt >= this.settings.maxAttempts) {
      const error = `failed after ${run.attempt} attempts: ${why}`;
      await this.registry.runLifecycle.finish(run.id, "FAILED", error, null);
      await this.publish({ runId: run.id, kind: "STATUS", status: "FAILED" });
      return;
    }
    await this.enqueue(run.id);
    await this.publish({ runId: run.id, kind: "STATUS", status: "QUEUED" });
  }

  private async enqueue(runId: string): Promise<void> {
    const jobId = await this.queue.enqueue(runId);
    await this.registry.runLifecycle.attachJob(runId, jobId);
  }

  /** One queue job: claim the run, train it in a child, record the outcome. Never throws. */
  private async handle(job: TrainingJob): Promise<void> {
    try {
      await this.handleClaimed(job);
    } catch (error) {
      // A throw here would reach pg-boss, whose own `fail` call fails too while the database is down.
      this.logError(error);
    }
  }

  private async handleClaimed(job: TrainingJob): Promise<void> {
    const run = await this.retrying("claim", () =>
      this.registry.runLifecycle.claim(job.runId, this.workerId),
    );
    if (!run) return; // cancelled while queued, or already taken
    await this.publish({ runId: run.id, kind: "STATUS", status: "RUNNING" });
    // Cancellation arrives as an event (immediately) and through the heartbeat (if the event is missed).
    const events = this.bus.subscribe(run.id);
    void (async () => {
      for await (const event of events) if (event.kind === "CANCEL_REQUESTED") this.stopForCancel(run.id);
    })();
    let outcome: TrainingOutcome;
    let stopReason: ActiveRun["stopReason"];
    try {
      const spec = await this.specFor(run);
      const throttle = new ProgressThrottle(this.settings.progressIntervalMs);
      const process = new TrainingProcess(
        spec,
        {
          onReady: (backend) => this.registry.runLifecycle.setMlBackend(run.id, backend),
          onResumed: ({ history, bestEpoch }) =>
            this.backfill(run.id, spec.checkpointDir, history, bestEpoch),
          onBatch: ({ progress }) => {
            if (throttle.shouldEmit(progress.batch === progress.batchCount))
              void this.publishProgress(run, progress);
          },
          onEpoch: ({ metrics, isBest }) => this.recordEpoch(run.id, spec.checkpointDir, metrics, isBest),
        },
        this.spareChild.take(),
      );
      this.active = { runId: run.id, process };
      if (this.isStopping) {
        this.active.stopReason = "shutdown";
        process.requestStop();
      }
      outcome = await process.finished;
      stopReason = this.active.stopReason;
    } catch (error) {
      outcome = { kind: "failed", message: error instanceof Error ? error.message : String(error) };
    } finally {
      this.active = undefined;
      await events.return!();
    }
    await this.conclude(run, outcome, stopReason);
  }

  private async conclude(
    run: Run,
    outcome: TrainingOutcome,
    stopReason: ActiveRun["stopReason"],
  ): Promise<void> {
    const isStoppedByShutdown =
      (outcome.kind === "finished" && outcome.status === "CANCELLED") || outcome.kind === "crashed";
    if (stopReason === "shutdown" && isStoppedByShutdown) {
      // Stopped by this worker's shutdown, not by a user (a child that died meanwhile was most likely
      // signalled with its parent): another worker resumes from the checkpoint.
      // requeue() matches the row as it is now (the heartbeat moved since the claim).
      const current = await this.retrying("requeue", () => this.registry.runs.get(run.id));
      if (current && (await this.retrying("requeue", () => this.registry.runLifecycle.requeue(current)))) {
        await this.retrying("requeue", () => this.enqueue(run.id));
        await this.publish({ runId: run.id, kind: "STATUS", status: "QUEUED" });
        this.notify((observer) => observer.onRunConcluded?.("REQUEUED"));
      }
      return;
    }
    const status = outcome.kind === "finished" ? outcome.status : "FAILED";
    const error = outcome.kind === "finished" ? null : outcome.message;
    const isFinished = await this.retrying("finish", () =>
      this.registry.runLifecycle.finish(run.id, status, error, this.workerId),
    );
    if (isFinished) {
      this.notify((observer) => observer.onRunConcluded?.(status));
      await this.publish({ runId: run.id, kind: "STATUS", status });
    }
  }

  private async specFor(run: Run): Promise<TrainingSpec> {
    const experiment = await this.registry.experiments.get(run.experimentId);
    const dataset = experiment && (await this.registry.datasets.get(experiment.datasetId));
    if (!dataset || dataset.status !== "READY" || !dataset.contentHash) {
      throw new Error(`the run's dataset is not available (${dataset?.status ?? "missing"})`);
    }
    const checkpointDir = runCheckpointDir(this.settings.artifactsDir, run.id);
    const last = path.join(checkpointDir, "last");
    return {
      runId: run.id,
      hyperparameters: run.hyperparameters,
      datasetDir: dataset.rootPath,
      datasetVersion: dataset.contentHash,
      checkpointDir,
      cacheDir: this.settings.cacheDir,
      mlBackend: this.settings.mlBackend,
      resumeFrom: hasCheckpoint(last) ? last : undefined,
    };
  }

  /** Commits an epoch (and its frozen best checkpoint), then announces it. */
  private async recordEpoch(
    runId: string,
    checkpointDir: string,
    metrics: EpochMetrics,
    isBest: boolean,
  ): Promise<void> {
    const best = isBest ? await freezeBestCheckpoint(checkpointDir, metrics.epoch) : null;
    // Retried through a database outage: the child waits for this commit before training on.
    const isNew = await this.retrying("epoch", () =>
      this.registry.runLifecycle.recordEpoch(runId, epochRecordOf(metrics), best),
    );
    // Published after the commit but not awaited: training need not wait for the NOTIFY round trip,
    // and the bus keeps publishes in order (this EPOCH before the run's final STATUS).
    if (isNew) {
      this.notify((observer) => observer.onEpochRecorded?.(metrics));
      void this.publish({ runId, kind: "EPOCH", epoch: metrics.epoch }).catch(this.logError);
    }
  }

  /** Commits epochs an earlier attempt finished but could not record before it died. */
  private async backfill(
    runId: string,
    checkpointDir: string,
    history: EpochMetrics[],
    bestEpoch: number,
  ): Promise<void> {
    for (const metrics of history) {
      await this.recordEpoch(runId, checkpointDir, metrics, metrics.epoch === bestEpoch);
    }
  }

  private async publishProgress(run: Run, progress: BatchProgress): Promise<void> {
    const epochsLeft = run.epochsPlanned - progress.epoch;
    const secondsLeftInEpoch =
      (progress.imagesTotal - progress.imagesDone) / Math.max(progress.imagesPerSecond, 1e-9);
    const epochSeconds = progress.imagesTotal / Math.max(progress.imagesPerSecond, 1e-9);
    await this.publish({
      runId: run.id,
      kind: "PROGRESS",
      progress: {
        ...progress,
        // While embedding, the training epochs' speed is not known yet.
        etaSeconds:
          progress.phase === "TRAINING" && progress.imagesPerSecond > 0
            ? Math.round(secondsLeftInEpoch + epochsLeft * epochSeconds)
            : null,
      },
    }).catch(this.logError);
  }
}

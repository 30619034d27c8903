import type { PrismaClient } from "../db/prismaClient";
import type { Prisma } from "../generated/prisma/client";
import { ConflictError, NotFoundError } from "../errors";
import type { EpochMetrics } from "../ml/checkpoint";
import type { ConfusionMatrix } from "../ml/confusionMatrix";
import type { ClassMetrics } from "../ml/evaluate";
import type { Hyperparameters } from "../ml/hyperparameters";
import { isId } from "./ids";
import { asJson, runOf, type Run } from "./runRecords";

/** One epoch's numbers as the epoch_metrics table stores them. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  trainAccuracy: number;
  valAccuracy: number;
  testAccuracy: number | null;
  valMacroF1: number;
  majorityBaselineAccuracy: number;
  durationMs: number;
  perClass: ClassMetrics[];
  confusionMatrix: ConfusionMatrix;
}

/** A checkpoint already written to disk. */
export interface CheckpointRecord {
  path: string;
  bytes: number;
  sha256: string;
  metrics: EpochMetrics;
}

/** What a worker learns at each heartbeat. */
export interface HeartbeatAnswer {
  /** False when the run was taken away (reaped, finished elsewhere): stop working on it. */
  isStillOwned: boolean;
  isCancelRequested: boolean;
}

/** What cancelling did. */
export type CancelOutcome = { kind: "cancelled-queued"; run: Run } | { kind: "cancel-requested"; run: Run };

/** The row of a new QUEUED run: the full hyperparameters plus their typed copies. */
export function queuedRunData(
  experimentId: string,
  h: Hyperparameters,
  sweepId: string | null,
): Prisma.RunUncheckedCreateInput {
  return {
    experimentId,
    sweepId,
    status: "QUEUED",
    hyperparameters: asJson(h),
    epochsPlanned: h.epochs,
    architecture: h.architecture,
    pretrained: h.pretrained,
    optimizer: h.optimizer,
    learningRate: h.learningRate,
    batchSize: h.batchSize,
    imageSize: h.imageSize,
    lossWeighting: h.lossWeighting,
    seed: h.seed,
  };
}

/**
 * State changes of runs: queued → running → succeeded | failed | cancelled, with the per-epoch
 * records in between. Every transition is a conditional update, so racing workers cannot both win.
 */
export class RunLifecycle {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Writes a QUEUED run. `hyperparameters` is the full, validated set, stored whole; the fields runs
   * are filtered and sorted by are also kept as typed columns.
   */
  async createQueued(experimentId: string, hyperparameters: Hyperparameters): Promise<Run> {
    return runOf(await this.prisma.run.create({ data: queuedRunData(experimentId, hyperparameters, null) }));
  }

  /** Remembers which queue job carries the run. */
  async attachJob(runId: string, jobId: string): Promise<void> {
    await this.prisma.run.update({ where: { id: runId }, data: { jobId } });
  }

  /**
   * Takes a QUEUED run for `workerId`: RUNNING, attempt + 1, heartbeat now, and — when epochs were
   * committed by an earlier attempt — `resumedFromEpoch`. Null when the run is no longer queued.
   */
  async claim(runId: string, workerId: string): Promise<Run | null> {
    const row = await this.prisma.$transaction(async (tx) => {
      const now = new Date();
      const { count } = await tx.run.updateMany({
        where: { id: runId, status: "QUEUED" },
        data: { status: "RUNNING", workerId, heartbeatAt: now, attempt: { increment: 1 } },
      });
      if (count === 0) return null;
      const last = await tx.epochMetric.findFirst({ where: { runId }, orderBy: { epoch: "desc" } });
      const run = await tx.run.findUniqueOrThrow({ where: { id: runId } });
      return tx.run.update({
        where: { id: runId },
        data: {
          startedAt: run.startedAt ?? now,
          resumedFromEpoch: last ? last.epoch : run.resumedFromEpoch,
        },
      });
    });
    return row && runOf(row);
  }

  /** Records the ML backend the run's training process started on. */
  async setMlBackend(runId: string, mlBackend: string): Promise<void> {
    await this.prisma.run.update({ where: { id: runId }, data: { mlBackend } });
  }

  /** Stamps the owner's heartbeat and tells whether to go on. */
  async heartbeat(runId: string, workerId: string): Promise<HeartbeatAnswer> {
    const { count } = await this.prisma.run.updateMany({
      where: { id: runId, workerId, status: "RUNNING" },
      data: { heartbeatAt: new Date() },
    });
    const run = await this.prisma.run.findUnique({
      where: { id: runId },
      select: { cancelRequestedAt: true },
    });
    return { isStillOwned: count === 1, isCancelRequested: !!run?.cancelRequestedAt };
  }

  /**
   * Commits one epoch in one transaction: its metrics (idempotent: an epoch already stored is kept
   * as it is), its checkpoint when it is the new best, and the run's best-epoch pointer.
   * Returns false when the epoch was already stored (a resumed attempt replaying it).
   */
  async recordEpoch(runId: string, epoch: EpochRecord, best: CheckpointRecord | null): Promise<boolean> {
    return this.prisma.$transaction(async (tx) => {
      const { count } = await tx.epochMetric.createMany({
        data: [
          {
            runId,
            ...epoch,
            perClass: asJson(epoch.perClass),
            confusionMatrix: asJson(epoch.confusionMatrix),
          },
        ],
        skipDuplicates: true,
      });
      if (count === 0) return false;
      if (best) {
        await tx.checkpoint.upsert({
          where: { runId_epoch: { runId, epoch: epoch.epoch } },
          create: { runId, epoch: epoch.epoch, ...best, metrics: asJson(best.metrics) },
          update: { ...best, metrics: asJson(best.metrics) },
        });
        await tx.run.update({
          where: { id: runId },
          data: {
            bestEpoch: epoch.epoch,
            bestValMacroF1: epoch.valMacroF1,
            bestValAccuracy: epoch.valAccuracy,
          },
        });
      }
      return true;
    });
  }

  /**
   * Ends a run that is still QUEUED or RUNNING — when `workerId` is given, only if that worker owns
   * it (null: whoever holds it, e.g. a run that failed to enqueue). False when nothing was ended.
   */
  async finish(
    runId: string,
    status: "SUCCEEDED" | "FAILED" | "CANCELLED",
    error: string | null,
    workerId: string | null,
  ): Promise<boolean> {
    const { count } = await this.prisma.run.updateMany({
      where: { id: runId, status: { in: ["RUNNING", "QUEUED"] }, ...(workerId ? { workerId } : {}) },
      data: { status, error, finishedAt: new Date(), heartbeatAt: null },
    });
    return count === 1;
  }

  /** A queued run is cancelled at once; a running one is asked to stop; a finished one is an error. */
  async requestCancel(runId: string): Promise<CancelOutcome> {
    if (!isId(runId)) throw new NotFoundError("Run", runId);
    const now = new Date();
    const queued = await this.prisma.run.updateMany({
      where: { id: runId, status: "QUEUED" },
      data: { status: "CANCELLED", cancelRequestedAt: now, finishedAt: now },
    });
    if (queued.count === 1)
      return {
        kind: "cancelled-queued",
        run: runOf(await this.prisma.run.findUniqueOrThrow({ where: { id: runId } })),
      };
    const running = await this.prisma.run.updateMany({
      where: { id: runId, status: "RUNNING" },
      data: { cancelRequestedAt: now },
    });
    const row = await this.prisma.run.findUnique({ where: { id: runId } });
    if (!row) throw new NotFoundError("Run", runId);
    const run = runOf(row);
    if (running.count === 1) return { kind: "cancel-requested", run };
    throw new ConflictError(
      `run ${runId} has already finished (${run.status}); only queued or running runs can be cancelled`,
      {
        field: "id",
        status: run.status,
      },
    );
  }

  /** RUNNING runs whose worker has not stamped a heartbeat since `staleBefore`. */
  async findStale(staleBefore: Date): Promise<Run[]> {
    const rows = await this.prisma.run.findMany({
      where: { status: "RUNNING", heartbeatAt: { lt: staleBefore } },
    });
    return rows.map(runOf);
  }

  /** Every RUNNING run (start-up reconciliation checks their jobs). */
  async listRunning(): Promise<Run[]> {
    return (await this.prisma.run.findMany({ where: { status: "RUNNING" } })).map(runOf);
  }

  /** Hands a run whose worker died back to the queue (only if it is still the stale one seen). */
  async requeue(run: Run): Promise<boolean> {
    const { count } = await this.prisma.run.updateMany({
      where: { id: run.id, status: "RUNNING", workerId: run.workerId, heartbeatAt: run.heartbeatAt },
      data: { status: "QUEUED", workerId: null, heartbeatAt: null },
    });
    return count === 1;
  }
}

import PgBoss from "pg-boss";

/** pg-boss queue that carries training runs. */
export const TRAINING_QUEUE = "logolab-training";

/** PostgreSQL schema of pg-boss's tables (its default, named so the SQL below and the config agree). */
const QUEUE_SCHEMA = "pgboss";

/** What a training job carries: the run id only; everything else is read from the database. */
export interface TrainingJobData {
  runId: string;
}

/** A training job as a worker receives it. */
export interface TrainingJob {
  id: string;
  runId: string;
}

/** Polling policy of training workers. */
export interface TrainingQueuePolicy {
  /** Polling interval of idle workers in seconds (pg-boss minimum 0.5). */
  pollingIntervalSeconds: number;
}

export const DEFAULT_QUEUE_POLICY: TrainingQueuePolicy = { pollingIntervalSeconds: 1 };

// pg-boss 10 has no heartbeat: a job stays active until it expires (at most 24 h in pg-boss). A run
// that outlasts it keeps training: workers judge runs by LogoLab's heartbeat, not by job state.
// Dead workers are found sooner by LogoLab's own heartbeat (see TrainingWorker): their job is
// cancelled and the run re-enqueued as a new job, so a stalled "zombie" worker that wakes up can
// only complete a job nobody else holds. Attempts are counted on the run, not by pg-boss.
const EXPIRE_IN_HOURS = 23;

/**
 * The training queue on top of pg-boss (its tables live in the `pgboss` schema of the same
 * database). Callers speak in intentions — enqueue, cancel, work — never in pg-boss calls.
 */
export class TrainingQueue {
  private constructor(
    private readonly boss: PgBoss,
    readonly policy: TrainingQueuePolicy,
  ) {}

  static async start(
    connectionString: string,
    policy: Partial<TrainingQueuePolicy> = {},
    logError: (error: unknown) => void = console.error,
  ): Promise<TrainingQueue> {
    const boss = new PgBoss({ connectionString, schema: QUEUE_SCHEMA, max: 4, schedule: false });
    boss.on("error", logError);
    await boss.start();
    await boss.createQueue(TRAINING_QUEUE);
    return new TrainingQueue(boss, { ...DEFAULT_QUEUE_POLICY, ...policy });
  }

  /** Enqueues a run; returns the job id. */
  async enqueue(runId: string): Promise<string> {
    const data: TrainingJobData = { runId };
    const id = await this.boss.send(TRAINING_QUEUE, data, { retryLimit: 0, expireInHours: EXPIRE_IN_HOURS });
    if (!id) throw new Error(`the queue did not accept run ${runId}`);
    return id;
  }

  /** Jobs waiting for a worker (created or retrying, not yet active). */
  async waitingCount(): Promise<number> {
    return this.boss.getQueueSize(TRAINING_QUEUE);
  }

  /** Cancels a job that is waiting, or one whose worker died. */
  async cancel(jobId: string): Promise<void> {
    await this.boss.cancel(TRAINING_QUEUE, jobId);
  }

  /**
   * Deletes every job that ever carried these runs, waiting or archived (a deleted run leaves no
   * trace in the queue). Returns how many were deleted.
   */
  async deleteJobsOfRuns(runIds: readonly string[]): Promise<number> {
    if (runIds.length === 0) return 0;
    const rows = (await this.boss.getDb().executeSql(
      `WITH from_jobs AS (
         DELETE FROM ${QUEUE_SCHEMA}.job WHERE name = $1 AND data->>'runId' = ANY($2::text[]) RETURNING 1
       ), from_archive AS (
         DELETE FROM ${QUEUE_SCHEMA}.archive WHERE name = $1 AND data->>'runId' = ANY($2::text[]) RETURNING 1
       )
       SELECT (SELECT count(*) FROM from_jobs) + (SELECT count(*) FROM from_archive) AS count`,
      [TRAINING_QUEUE, [...runIds]],
    )) as { rows: { count: string }[] };
    return Number(rows.rows[0].count);
  }

  /**
   * Runs `handler` for one job at a time. A handler that resolves completes the job; one that
   * throws fails it (not retried: runs are retried by re-enqueueing, see above).
   */
  async work(handler: (job: TrainingJob) => Promise<void>): Promise<string> {
    return this.boss.work<TrainingJobData>(
      TRAINING_QUEUE,
      { batchSize: 1, pollingIntervalSeconds: this.policy.pollingIntervalSeconds },
      async ([job]) => handler({ id: job.id, runId: job.data.runId }),
    );
  }

  /** Stops one `work` subscription from fetching more jobs (its running handler goes on). */
  async stopWorking(workId: string): Promise<void> {
    await this.boss.offWork({ id: workId });
  }

  /** Stops fetching; waits for running handlers when `graceful`. */
  async stop(graceful = true): Promise<void> {
    await this.boss.stop({ graceful, wait: true, timeout: 30_000 });
  }
}

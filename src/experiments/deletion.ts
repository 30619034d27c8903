import type { PrismaClient } from "../db/prismaClient";
import { ConflictError, NotFoundError } from "../errors";
import { Prisma } from "../generated/prisma/client";
import type { Hyperparameters } from "../ml/hyperparameters";
import { PREPARING_STATUSES } from "../vocabulary";
import { isId } from "./ids";
import { isForeignKeyViolation } from "./prismaErrors";

/**
 * Deleting runs, experiments and datasets from the database, in one transaction each, after the
 * checks that protect what is still in use: an alias pointing at a run, a run still queued or
 * running, an evaluation in progress, runs that use a dataset. What the rows pointed at on disk is
 * returned, so the caller (`jobs/storageDeletion.ts`) removes the files once the rows are gone.
 */

/** What a deleted run leaves to clean up. */
export interface DeletedRun {
  id: string;
  hyperparameters: Hyperparameters;
  /** Content hash of the run's dataset (its feature caches are keyed by it). */
  datasetContentHash: string | null;
  /** Directories of the run's checkpoint rows. */
  checkpointPaths: string[];
}

/** What a deleted dataset leaves to clean up. */
export interface DeletedDataset {
  id: string;
  rootPath: string;
  contentHash: string | null;
  /** Experiments without runs that were deleted with it. */
  experimentIds: string[];
}

/** A run that may still use feature caches: its hyperparameters and its dataset's content hash. */
export interface CacheUser {
  hyperparameters: Hyperparameters;
  datasetContentHash: string;
}

type Transaction = Prisma.TransactionClient;

interface LockedRun extends DeletedRun {
  status: string;
}

/** Rejects deleting runs that an alias serves, that are active, or that are being evaluated. */
async function assertDeletable(tx: Transaction, runs: LockedRun[]): Promise<void> {
  const active = runs.filter((r) => r.status === "QUEUED" || r.status === "RUNNING");
  if (active.length > 0) {
    throw new ConflictError(
      `run ${active[0].id} is ${active[0].status}; cancel it and let it end before deleting it`,
      { field: "id", runIds: active.map((r) => r.id) },
    );
  }
  const ids = runs.map((r) => r.id);
  if (ids.length === 0) return;
  const aliases = await tx.$queryRaw<{ name: string; runId: string }[]>`
    SELECT name, run_id AS "runId" FROM model_aliases WHERE run_id = ANY(CAST(${ids} AS uuid[])) ORDER BY name`;
  if (aliases.length > 0) {
    const names = aliases.map((a) => a.name);
    throw new ConflictError(
      `the alias ${names.map((n) => JSON.stringify(n)).join(", ")} points at run ${aliases[0].runId}; ` +
        "point it elsewhere before deleting the run",
      { field: "id", aliases: names },
    );
  }
  const evaluating = await tx.$queryRaw<{ runId: string }[]>`
    SELECT run_id AS "runId" FROM evaluations
    WHERE run_id = ANY(CAST(${ids} AS uuid[])) AND status = 'RUNNING' LIMIT 1`;
  if (evaluating.length > 0) {
    throw new ConflictError(`run ${evaluating[0].runId} is being evaluated; wait for the evaluation to end`, {
      field: "id",
    });
  }
}

/** Locks and reads the runs meeting `where` (a fixed condition over `r` with bound values). */
function lockRuns(tx: Transaction, where: Prisma.Sql): Promise<LockedRun[]> {
  return tx.$queryRaw<LockedRun[]>`
    SELECT r.id, r.status::text AS status, r.hyperparameters, d.content_hash AS "datasetContentHash",
           ARRAY(SELECT c.path FROM checkpoints c WHERE c.run_id = r.id ORDER BY c.epoch) AS "checkpointPaths"
    FROM runs r JOIN experiments e ON e.id = r.experiment_id JOIN datasets d ON d.id = e.dataset_id
    WHERE ${where}
    ORDER BY r.id
    FOR UPDATE OF r`;
}

async function deleteRunRows(tx: Transaction, runs: LockedRun[]): Promise<DeletedRun[]> {
  const ids = runs.map((r) => r.id);
  // Epoch metrics, checkpoints and evaluations go with their run (ON DELETE CASCADE).
  if (ids.length > 0) await tx.$executeRaw`DELETE FROM runs WHERE id = ANY(CAST(${ids} AS uuid[]))`;
  return runs.map(({ status: _status, ...deleted }) => deleted);
}

/** Maps the foreign-key race (an alias set on the run meanwhile) to the same refusal as the check. */
async function refusingRaces<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isForeignKeyViolation(error) || (error as { meta?: { code?: string } })?.meta?.code === "23503") {
      throw new ConflictError("something started using it while it was being deleted; try again", {
        field: "id",
      });
    }
    throw error;
  }
}

export class DeletionService {
  constructor(private readonly prisma: PrismaClient) {}

  /** Deletes a finished run with its epochs, checkpoints and evaluations. */
  async deleteRun(id: string): Promise<DeletedRun> {
    if (!isId(id)) throw new NotFoundError("Run", id);
    return refusingRaces(() =>
      this.prisma.$transaction(async (tx) => {
        const runs = await lockRuns(tx, Prisma.sql`r.id = CAST(${id} AS uuid)`);
        if (runs.length === 0) throw new NotFoundError("Run", id);
        await assertDeletable(tx, runs);
        const [deleted] = await deleteRunRows(tx, runs);
        return deleted;
      }),
    );
  }

  /** Deletes an experiment with its sweeps and runs (all of them must be deletable). */
  async deleteExperiment(id: string): Promise<DeletedRun[]> {
    if (!isId(id)) throw new NotFoundError("Experiment", id);
    return refusingRaces(() =>
      this.prisma.$transaction(async (tx) => {
        // Locks the experiment first: a run being started on it waits, then fails its foreign key.
        const found = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM experiments WHERE id = CAST(${id} AS uuid) FOR UPDATE`;
        if (found.length === 0) throw new NotFoundError("Experiment", id);
        const runs = await lockRuns(tx, Prisma.sql`r.experiment_id = CAST(${id} AS uuid)`);
        await assertDeletable(tx, runs);
        const deleted = await deleteRunRows(tx, runs);
        // Its sweeps go with it (ON DELETE CASCADE).
        await tx.$executeRaw`DELETE FROM experiments WHERE id = CAST(${id} AS uuid)`;
        return deleted;
      }),
    );
  }

  /**
   * Deletes a dataset no run uses: its experiments (all without runs) and the evaluations made on it
   * go with it. Refused while it is being prepared or evaluated on, or while any run uses it.
   */
  async deleteDataset(id: string): Promise<DeletedDataset> {
    if (!isId(id)) throw new NotFoundError("Dataset", id);
    return refusingRaces(() =>
      this.prisma.$transaction(async (tx) => {
        const [dataset] = await tx.$queryRaw<
          { id: string; status: string; rootPath: string; contentHash: string | null }[]
        >`
          SELECT id, status::text AS status, root_path AS "rootPath", content_hash AS "contentHash"
          FROM datasets WHERE id = CAST(${id} AS uuid) FOR UPDATE`;
        if (!dataset) throw new NotFoundError("Dataset", id);
        if ((PREPARING_STATUSES as readonly string[]).includes(dataset.status)) {
          throw new ConflictError(`dataset ${id} is ${dataset.status}; wait for it to be READY or FAILED`, {
            field: "id",
          });
        }
        const experiments = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM experiments WHERE dataset_id = CAST(${id} AS uuid) ORDER BY id FOR UPDATE`;
        const experimentIds = experiments.map((e) => e.id);
        const [{ runCount }] = await tx.$queryRaw<{ runCount: number }[]>`
          SELECT count(*)::int AS "runCount" FROM runs WHERE experiment_id = ANY(CAST(${experimentIds} AS uuid[]))`;
        if (runCount > 0) {
          throw new ConflictError(
            `${runCount} run(s) use dataset ${id}; delete them (or their experiments) first`,
            { field: "id", runCount },
          );
        }
        const evaluating = await tx.$queryRaw<{ id: string }[]>`
          SELECT id FROM evaluations WHERE dataset_id = CAST(${id} AS uuid) AND status = 'RUNNING' LIMIT 1`;
        if (evaluating.length > 0) {
          throw new ConflictError(`an evaluation on dataset ${id} is running; wait for it to end`, {
            field: "id",
          });
        }
        await tx.$executeRaw`DELETE FROM evaluations WHERE dataset_id = CAST(${id} AS uuid)`;
        await tx.$executeRaw`DELETE FROM experiments WHERE dataset_id = CAST(${id} AS uuid)`;
        await tx.$executeRaw`DELETE FROM datasets WHERE id = CAST(${id} AS uuid)`;
        return { id, rootPath: dataset.rootPath, contentHash: dataset.contentHash, experimentIds };
      }),
    );
  }

  /** Runs (any status) on datasets with these content hashes: what may still read their feature caches. */
  async cacheUsers(contentHashes: readonly string[]): Promise<CacheUser[]> {
    if (contentHashes.length === 0) return [];
    return this.prisma.$queryRaw<CacheUser[]>`
      SELECT r.hyperparameters, d.content_hash AS "datasetContentHash"
      FROM runs r JOIN experiments e ON e.id = r.experiment_id JOIN datasets d ON d.id = e.dataset_id
      WHERE d.content_hash = ANY(CAST(${[...contentHashes]} AS text[]))`;
  }

  /** Whether another dataset row holds files under this root (a re-import of the same content may). */
  async isRootShared(rootPath: string): Promise<boolean> {
    return (await this.prisma.dataset.count({ where: { rootPath } })) > 0;
  }
}

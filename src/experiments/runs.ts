import type { PrismaClient } from "../db/prismaClient";
import { Prisma } from "../generated/prisma/client";
import { NotFoundError, ValidationError } from "../errors";
import type { RunOrder } from "../vocabulary";
import { isId } from "./ids";
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from "./pagination";
import { runFilterPredicate, type RunFilter } from "./runFilter";
import { cursorValueOf, runOrdering } from "./runOrdering";
import { allOf, type RunPredicate } from "./runPredicate";
import { runPredicateSql } from "./runPredicateSql";
import { parseRunQuery } from "./runQueryParser";
import {
  RUN_COLUMNS,
  runCountSql,
  runCountsOfParentsSql,
  runPageSql,
  runPagesOfParentsSql,
} from "./runSearchSql";
import {
  checkpointOf,
  epochMetricOf,
  runOf,
  runOfRawRow,
  type Checkpoint,
  type EpochDetails,
  type EpochMetric,
  type EpochMetricSummary,
  type ListedRun,
  type Run,
} from "./runRecords";
import type { Checkpoint as CheckpointRow, Run as RunRow } from "../generated/prisma/client";

export type { Run, ListedRun, EpochMetric, EpochMetricSummary, EpochDetails, Checkpoint, RunFilter };

/** What narrows a run list: the structured filter and the query string; both must hold. */
export interface RunSearch {
  filter?: RunFilter | null;
  query?: string | null;
}

/** A run's epochs as columns: `epochs[i]` is the epoch of every metric's `[i]`. */
export interface EpochSeries {
  epochs: number[];
  loss: number[];
  trainAccuracy: number[];
  valAccuracy: number[];
  testAccuracy: (number | null)[];
  valMacroF1: number[];
}

/** Largest number of runs `compareRuns` accepts. */
export const MAX_COMPARED_RUNS = 100;

/** The distinct ids of a comparison, in the order given; 1 to {@link MAX_COMPARED_RUNS} of them. */
export function comparedIds(ids: readonly string[]): string[] {
  const unique = [...new Set(ids)];
  if (unique.length < 1 || unique.length > MAX_COMPARED_RUNS) {
    throw new ValidationError(`ids must name 1–${MAX_COMPARED_RUNS} distinct runs`, { field: "ids" });
  }
  return unique;
}

/** Parents whose run pages can be read together. */
export type RunParent = "experiment" | "sweep";

const PARENT_COLUMNS = { experiment: "experiment_id", sweep: "sweep_id" } as const;

/** The scalar columns of `epoch_metrics em` under the record's names. */
const EPOCH_SUMMARY_COLUMNS = Prisma.raw(
  [
    `em.id`,
    `em.run_id AS "runId"`,
    `em.epoch`,
    `em.loss`,
    `em.train_accuracy AS "trainAccuracy"`,
    `em.val_accuracy AS "valAccuracy"`,
    `em.test_accuracy AS "testAccuracy"`,
    `em.val_macro_f1 AS "valMacroF1"`,
    `em.majority_baseline_accuracy AS "majorityBaselineAccuracy"`,
    `em.duration_ms AS "durationMs"`,
    `em.created_at AS "createdAt"`,
  ].join(", "),
);

type RawRunRow = Omit<RunRow, "hyperparameters"> & { hyperparameters: string };

type SearchRow = RawRunRow & {
  sortValue: unknown;
  parentId?: string;
  segment?: number;
  /** JSON text of the best epoch's scalars, or null. */
  bestEpochSummary?: string | null;
};

/** The predicate of a search: the filter and the parsed query together. */
export function searchPredicate(search: RunSearch): RunPredicate {
  return allOf([
    runFilterPredicate(search.filter ?? {}),
    ...(search.query ? [parseRunQuery(search.query)] : []),
  ]);
}

function groupBy<T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string): T[][] {
  const groups = new Map<string, T[]>(keys.map((k) => [k, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((k) => groups.get(k) ?? []);
}

/** Runs, their per-epoch metrics and checkpoints. */
export class RunService {
  constructor(private readonly prisma: PrismaClient) {}

  /** The run with this id, or null. */
  async get(id: string): Promise<Run | null> {
    if (!isId(id)) return null;
    const row = await this.prisma.run.findUnique({ where: { id } });
    return row && runOf(row);
  }

  /** Runs by id, in the order asked, null where missing (for dataloaders). */
  async getMany(ids: readonly string[]): Promise<(Run | null)[]> {
    const valid = ids.filter(isId);
    // Raw SQL: a page of runs maps several times faster than through Prisma's findMany.
    const rows = valid.length
      ? await this.prisma.$queryRaw<
          RawRunRow[]
        >`SELECT ${RUN_COLUMNS} FROM runs r WHERE r.id = ANY(CAST(${valid} AS uuid[]))`
      : [];
    const byId = new Map(rows.map((r) => [r.id, runOfRawRow(r)]));
    return ids.map((id) => byId.get(id.toLowerCase()) ?? null);
  }

  /**
   * Keyset-paginated runs meeting the search, in `order` (any sortable field, either direction,
   * runs without a value last, ties by id): one SQL statement with bound parameters.
   */
  async list(
    request: PageRequest,
    search: RunSearch = {},
    order: RunOrder = "CREATED_AT_DESC",
  ): Promise<Page<Run>> {
    const limit = pageSize(request.first);
    const ordering = runOrdering(order);
    const where = runPredicateSql(searchPredicate(search));
    const after = request.after ? decodeCursor(ordering.cursorTag, request.after) : null;
    const rows = await this.prisma.$queryRaw<SearchRow[]>(runPageSql(where, ordering, after, limit + 1));
    return this.pageOf(rows, limit, ordering.cursorTag, !!request.after);
  }

  /** How many runs meet the search (for `totalCount`). */
  async count(search: RunSearch = {}): Promise<number> {
    const [{ count }] = await this.prisma.$queryRaw<{ count: number }[]>(
      runCountSql(runPredicateSql(searchPredicate(search))),
    );
    return count;
  }

  /**
   * One page of runs for each experiment (or sweep) in `parentIds`, in one statement: what
   * `experiments { runs(first:) }` needs without a query per experiment.
   */
  async listOfParents(
    parent: RunParent,
    parentIds: readonly string[],
    request: PageRequest,
    search: RunSearch = {},
    order: RunOrder = "CREATED_AT_DESC",
  ): Promise<Page<ListedRun>[]> {
    const limit = pageSize(request.first);
    const ordering = runOrdering(order);
    const where = runPredicateSql(searchPredicate(search));
    const after = request.after ? decodeCursor(ordering.cursorTag, request.after) : null;
    const ids = parentIds.filter(isId);
    const rows = ids.length
      ? await this.prisma.$queryRaw<SearchRow[]>(
          runPagesOfParentsSql(PARENT_COLUMNS[parent], ids, where, ordering, after, limit + 1),
        )
      : [];
    return groupBy(parentIds, rows, (r) => r.parentId!).map((group) =>
      this.pageOf(group, limit, ordering.cursorTag, !!request.after),
    );
  }

  /** How many runs of each parent meet the search. */
  async countOfParents(
    parent: RunParent,
    parentIds: readonly string[],
    search: RunSearch = {},
  ): Promise<number[]> {
    const ids = parentIds.filter(isId);
    const rows = ids.length
      ? await this.prisma.$queryRaw<{ parentId: string; count: number }[]>(
          runCountsOfParentsSql(PARENT_COLUMNS[parent], ids, runPredicateSql(searchPredicate(search))),
        )
      : [];
    const byParent = new Map(rows.map((r) => [r.parentId, r.count]));
    return parentIds.map((id) => byParent.get(id) ?? 0);
  }

  private pageOf(
    rows: SearchRow[],
    limit: number,
    cursorTag: string,
    isAfterCursor: boolean,
  ): Page<ListedRun> {
    const page = toPage(
      rows,
      limit,
      cursorTag,
      (row) => ({ value: cursorValueOf(row.sortValue), id: row.id }),
      isAfterCursor,
    );
    return {
      ...page,
      nodes: page.nodes.map((row) => {
        const {
          sortValue: _sortValue,
          parentId: _parentId,
          segment: _segment,
          bestEpochSummary,
          ...columns
        } = row;
        const run: ListedRun = runOfRawRow(columns);
        if (bestEpochSummary !== undefined) {
          const summary =
            bestEpochSummary === null ? null : (JSON.parse(bestEpochSummary) as EpochMetricSummary);
          run.bestEpochSummary = summary && { ...summary, createdAt: new Date(summary.createdAt) };
        }
        return run;
      }),
    };
  }

  /** Epoch metrics of each run, ascending by epoch, with their details (for the CLI and followers). */
  async epochsOfRuns(runIds: readonly string[]): Promise<EpochMetric[][]> {
    const rows = await this.prisma.epochMetric.findMany({
      where: { runId: { in: runIds.filter(isId) } },
      orderBy: [{ runId: "asc" }, { epoch: "asc" }],
    });
    return groupBy(runIds, rows.map(epochMetricOf), (e) => e.runId);
  }

  /** Scalar epoch metrics of each run, ascending by epoch (for dataloaders and charts). */
  async epochSummariesOfRuns(runIds: readonly string[]): Promise<EpochMetricSummary[][]> {
    const ids = runIds.filter(isId);
    // Raw: Prisma's `omit` of the two JSON columns still costs about as much as reading them.
    const rows = ids.length
      ? await this.prisma.$queryRaw<EpochMetricSummary[]>`
          SELECT ${EPOCH_SUMMARY_COLUMNS} FROM epoch_metrics em
          WHERE em.run_id = ANY(CAST(${ids} AS uuid[])) ORDER BY em.run_id, em.epoch`
      : [];
    return groupBy(runIds, rows, (e) => e.runId);
  }

  /**
   * Each run's epochs as columns (epoch numbers and each metric, ascending by epoch; empty without
   * epochs): one row per run, what comparisons downsample.
   */
  async epochSeriesOfRuns(runIds: readonly string[]): Promise<EpochSeries[]> {
    const ids = runIds.filter(isId);
    // One JSON text per run: parsed with JSON.parse, far cheaper than the adapter's array conversion.
    const rows = ids.length
      ? await this.prisma.$queryRaw<{ runId: string; series: string }[]>`
          SELECT run_id AS "runId", json_build_object(
                   'epochs', array_agg(epoch ORDER BY epoch),
                   'loss', array_agg(loss ORDER BY epoch),
                   'trainAccuracy', array_agg(train_accuracy ORDER BY epoch),
                   'valAccuracy', array_agg(val_accuracy ORDER BY epoch),
                   'testAccuracy', array_agg(test_accuracy ORDER BY epoch),
                   'valMacroF1', array_agg(val_macro_f1 ORDER BY epoch))::text AS series
          FROM epoch_metrics WHERE run_id = ANY(CAST(${ids} AS uuid[])) GROUP BY run_id`
      : [];
    const byRun = new Map(rows.map(({ runId, series }) => [runId, JSON.parse(series) as EpochSeries]));
    const empty = {
      epochs: [],
      loss: [],
      trainAccuracy: [],
      valAccuracy: [],
      testAccuracy: [],
      valMacroF1: [],
    };
    return runIds.map((id) => byRun.get(id) ?? empty);
  }

  /** The scalar metrics of each run's best epoch, null while it has none (for dataloaders). */
  async bestEpochSummariesOfRuns(runIds: readonly string[]): Promise<(EpochMetricSummary | null)[]> {
    const ids = runIds.filter(isId);
    const rows = ids.length
      ? await this.prisma.$queryRaw<EpochMetricSummary[]>`
          SELECT ${EPOCH_SUMMARY_COLUMNS} FROM runs r
          JOIN epoch_metrics em ON em.run_id = r.id AND em.epoch = r.best_epoch
          WHERE r.id = ANY(CAST(${ids} AS uuid[]))`
      : [];
    const byRun = new Map(rows.map((e) => [e.runId, e]));
    return runIds.map((id) => byRun.get(id) ?? null);
  }

  /** Each run's best epoch with its per-class metrics and confusion matrix, null while it has none. */
  async bestEpochsOfRuns(runIds: readonly string[]): Promise<(EpochMetric | null)[]> {
    const ids = runIds.filter(isId);
    const rows = ids.length
      ? await this.prisma.$queryRaw<(EpochMetricSummary & { perClass: string; confusionMatrix: string })[]>`
          SELECT ${EPOCH_SUMMARY_COLUMNS}, em.per_class::text AS "perClass", em.confusion_matrix::text AS "confusionMatrix"
          FROM runs r
          JOIN epoch_metrics em ON em.run_id = r.id AND em.epoch = r.best_epoch
          WHERE r.id = ANY(CAST(${ids} AS uuid[]))`
      : [];
    const byRun = new Map<string, EpochMetric>(
      rows.map((e) => [
        e.runId,
        { ...e, perClass: JSON.parse(e.perClass), confusionMatrix: JSON.parse(e.confusionMatrix) },
      ]),
    );
    return runIds.map((id) => byRun.get(id) ?? null);
  }

  /** Per-class metrics and confusion matrices of epochs by epoch-row id (for dataloaders). */
  async epochDetailsByIds(epochIds: readonly string[]): Promise<(EpochDetails | null)[]> {
    const ids = epochIds.filter(isId);
    const rows = ids.length
      ? await this.prisma.$queryRaw<{ id: string; perClass: string; confusionMatrix: string }[]>`
          SELECT id, per_class::text AS "perClass", confusion_matrix::text AS "confusionMatrix"
          FROM epoch_metrics WHERE id = ANY(CAST(${ids} AS uuid[]))`
      : [];
    const byId = new Map<string, EpochDetails>(
      rows.map((r) => [
        r.id,
        { perClass: JSON.parse(r.perClass), confusionMatrix: JSON.parse(r.confusionMatrix) },
      ]),
    );
    return epochIds.map((id) => byId.get(id) ?? null);
  }

  /** The metrics of one epoch of a run, or null. */
  async epochAt(runId: string, epoch: number): Promise<EpochMetric | null> {
    const row = await this.prisma.epochMetric.findUnique({ where: { runId_epoch: { runId, epoch } } });
    return row && epochMetricOf(row);
  }

  /** The checkpoint of `runId` saved at `epoch`, or null. */
  async checkpointAt(runId: string, epoch: number): Promise<Checkpoint | null> {
    const row = await this.prisma.checkpoint.findUnique({ where: { runId_epoch: { runId, epoch } } });
    return row && checkpointOf(row);
  }

  /** Checkpoints by id, in the order asked, null where missing (for dataloaders). */
  async checkpointsByIds(ids: readonly string[]): Promise<(Checkpoint | null)[]> {
    const rows = await this.prisma.checkpoint.findMany({ where: { id: { in: ids.filter(isId) } } });
    const byId = new Map(rows.map((r) => [r.id, checkpointOf(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Each run's best-epoch checkpoint, null while it has none (for dataloaders). */
  async bestCheckpointsOfRuns(runIds: readonly string[]): Promise<(Checkpoint | null)[]> {
    const ids = runIds.filter(isId);
    const rows = ids.length
      ? await this.prisma.$queryRaw<CheckpointRow[]>`
          SELECT c.id, c.run_id AS "runId", c.epoch, c.path, c.bytes, c.sha256, c.metrics,
                 c.created_at AS "createdAt"
          FROM runs r JOIN checkpoints c ON c.run_id = r.id AND c.epoch = r.best_epoch
          WHERE r.id = ANY(CAST(${ids} AS uuid[]))`
      : [];
    const byRun = new Map(rows.map((r) => [r.runId, checkpointOf(r)]));
    return runIds.map((id) => byRun.get(id) ?? null);
  }

  /** The runs with these ids, in the order given; every id must exist. */
  async getForComparison(ids: readonly string[]): Promise<Run[]> {
    const unique = comparedIds(ids);
    const runs = await this.getMany(unique);
    const missing = unique.find((_, i) => runs[i] === null);
    if (missing !== undefined) throw new NotFoundError("Run", missing);
    return runs as Run[];
  }
}

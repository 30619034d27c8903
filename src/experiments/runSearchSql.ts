import { Prisma } from "../generated/prisma/client";
import {
  afterCursorSql,
  cursorCondition,
  orderByIdSql,
  orderBySql,
  orderByValueSql,
  type RunOrdering,
} from "./runOrdering";
import type { CursorPosition } from "./pagination";

/**
 * The statements of run search, each built by one named function from a condition
 * (`runPredicateSql`) and an ordering (`runOrdering`): values are bound parameters throughout.
 */

/** Every column of `runs r` under the name the `Run` record uses. */
export const RUN_COLUMNS = Prisma.raw(
  [
    `r.id`,
    `r.experiment_id AS "experimentId"`,
    `r.status::text AS "status"`,
    // As text, parsed by runOfRawRow (cheaper than the adapter's JSON conversion).
    `r.hyperparameters::text AS "hyperparameters"`,
    `r.architecture::text AS "architecture"`,
    `r.pretrained`,
    `r.optimizer::text AS "optimizer"`,
    `r.learning_rate AS "learningRate"`,
    `r.batch_size AS "batchSize"`,
    `r.image_size AS "imageSize"`,
    `r.epochs_planned AS "epochsPlanned"`,
    `r.loss_weighting::text AS "lossWeighting"`,
    `r.seed`,
    `r.ml_backend AS "mlBackend"`,
    `r.error`,
    `r.best_epoch AS "bestEpoch"`,
    `r.best_val_macro_f1 AS "bestValMacroF1"`,
    `r.best_val_accuracy AS "bestValAccuracy"`,
    `r.resumed_from_epoch AS "resumedFromEpoch"`,
    `r.attempt`,
    `r.job_id AS "jobId"`,
    `r.worker_id AS "workerId"`,
    `r.cancel_requested_at AS "cancelRequestedAt"`,
    `r.heartbeat_at AS "heartbeatAt"`,
    `r.created_at AS "createdAt"`,
    `r.started_at AS "startedAt"`,
    `r.finished_at AS "finishedAt"`,
    `r.updated_at AS "updatedAt"`,
    `COALESCE(r.tags, ARRAY[]::text[]) AS "tags"`,
    `r.note`,
    `r.sweep_id AS "sweepId"`,
  ].join(", "),
);

/** The scalars of `page`'s best epoch as JSON text (null without one), read for the page's rows only. */
const BEST_EPOCH_SUMMARY = Prisma.raw(
  `(SELECT jsonb_build_object('id', bm.id, 'runId', bm.run_id, 'epoch', bm.epoch, 'loss', bm.loss,
      'trainAccuracy', bm.train_accuracy, 'valAccuracy', bm.val_accuracy, 'testAccuracy', bm.test_accuracy,
      'valMacroF1', bm.val_macro_f1, 'majorityBaselineAccuracy', bm.majority_baseline_accuracy,
      'durationMs', bm.duration_ms, 'createdAt', bm.created_at)
    FROM epoch_metrics bm WHERE bm.run_id = page.id AND bm.epoch = page."bestEpoch")::text`,
);

/**
 * One page (`limit` rows) of the runs meeting `where`, after `after`, each with its sort value and
 * its best epoch's scalars. A nullable sort field is read as two index-friendly segments — runs with
 * a value (`ORDER BY value, id`, which a `(column, id)` index walks in either direction and stops
 * after `limit` rows), then runs without one (by id) — instead of one `NULLS LAST` sort of every
 * matching run.
 */
export function runPageSql(
  where: Prisma.Sql,
  ordering: RunOrdering,
  after: CursorPosition | null,
  limit: number,
): Prisma.Sql {
  const direction = Prisma.raw(ordering.isDescending ? "DESC" : "ASC");
  const expression = ordering.sortExpression;
  const select = (segment: 0 | 1) =>
    Prisma.sql`SELECT ${RUN_COLUMNS}, ${expression} AS "sortValue", ${Prisma.raw(String(segment))} AS "segment" FROM runs r`;
  let inner: Prisma.Sql;
  if (!ordering.field.isNullable) {
    const keyset = after ? Prisma.sql` AND ${afterCursorSql(ordering, after)}` : Prisma.empty;
    inner = Prisma.sql`${select(0)} WHERE ${where}${keyset} ${orderByValueSql(ordering)} LIMIT ${limit}`;
  } else {
    const cursor = after && cursorCondition(ordering, after);
    const valued = Prisma.sql`(${select(0)}
      WHERE ${where} AND ${expression} IS NOT NULL${cursor ? Prisma.sql` AND ${cursor.afterValue}` : Prisma.empty}
      ${orderByValueSql(ordering)} LIMIT ${limit})`;
    const valueless = Prisma.sql`(${select(1)}
      WHERE ${where} AND ${expression} IS NULL${cursor ? Prisma.sql` AND ${cursor.afterNull}` : Prisma.empty}
      ${orderByIdSql(ordering)} LIMIT ${limit})`;
    inner = cursor?.isInNullSegment ? valueless : Prisma.sql`${valued} UNION ALL ${valueless}`;
  }
  return Prisma.sql`SELECT page.*, ${BEST_EPOCH_SUMMARY} AS "bestEpochSummary"
    FROM (${inner}) AS page
    ORDER BY page."segment", page."sortValue" ${direction}, page.id ${direction}
    LIMIT ${limit}`;
}

/** How many runs meet `where`. */
export function runCountSql(where: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`SELECT count(*)::int AS "count" FROM runs r WHERE ${where}`;
}

/**
 * One page for each of several parents (an experiment's or a sweep's runs) in one statement:
 * `parentColumn` is a fixed column name of `runs`, never user text.
 */
export function runPagesOfParentsSql(
  parentColumn: "experiment_id" | "sweep_id",
  parentIds: readonly string[],
  where: Prisma.Sql,
  ordering: RunOrdering,
  after: CursorPosition | null,
  limit: number,
): Prisma.Sql {
  const keyset = after ? Prisma.sql` AND ${afterCursorSql(ordering, after)}` : Prisma.empty;
  const column = Prisma.raw(`r.${parentColumn}`);
  return Prisma.sql`SELECT page.* FROM unnest(CAST(${[...parentIds]} AS uuid[])) AS parent(id)
    CROSS JOIN LATERAL (
      SELECT ${RUN_COLUMNS}, ${ordering.sortExpression} AS "sortValue", parent.id AS "parentId"
      FROM runs r
      WHERE ${column} = parent.id AND ${where}${keyset}
      ${orderBySql(ordering)}
      LIMIT ${limit}
    ) AS page`;
}

/** How many runs of each parent meet `where`. */
export function runCountsOfParentsSql(
  parentColumn: "experiment_id" | "sweep_id",
  parentIds: readonly string[],
  where: Prisma.Sql,
): Prisma.Sql {
  const column = Prisma.raw(`r.${parentColumn}`);
  return Prisma.sql`SELECT ${column} AS "parentId", count(*)::int AS "count" FROM runs r
    WHERE ${column} = ANY(CAST(${[...parentIds]} AS uuid[])) AND ${where}
    GROUP BY ${column}`;
}

/**
 * One page of a leaderboard: the runs meeting `where` that have a sort value, ranked by it
 * (`rank()`: ties share a rank), after `after`, each with its value and rank.
 */
export function leaderboardPageSql(
  where: Prisma.Sql,
  ordering: RunOrdering,
  after: CursorPosition | null,
  limit: number,
): Prisma.Sql {
  const keyset = after ? afterCursorSql(ordering, after) : Prisma.sql`TRUE`;
  const direction = Prisma.raw(ordering.isDescending ? "DESC" : "ASC");
  return Prisma.sql`WITH board AS (
      SELECT r.id, ${ordering.sortExpression} AS value,
             rank() OVER (ORDER BY ${ordering.sortExpression} ${direction}) AS rank
      FROM runs r WHERE ${where} AND ${ordering.sortExpression} IS NOT NULL
    )
    SELECT ${RUN_COLUMNS}, board.value AS "sortValue", board.rank::int AS "rank"
    FROM board JOIN runs r ON r.id = board.id
    WHERE ${keyset}
    ORDER BY board.value ${direction}, r.id ${direction}
    LIMIT ${limit}`;
}

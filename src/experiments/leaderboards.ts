import type { PrismaClient } from "../db/prismaClient";
import type { SplitName } from "../datasets/datasetManifest";
import type { EpochMetricName, RunOrder } from "../vocabulary";
import type { Dataset } from "./datasets";
import { isId } from "./ids";
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from "./pagination";
import { cursorValueOf, runOrdering } from "./runOrdering";
import { allOf, not, type RunPredicate } from "./runPredicate";
import { runPredicateSql } from "./runPredicateSql";
import { runOfRawRow, type Run } from "./runRecords";
import { leaderboardPageSql, runCountSql } from "./runSearchSql";
import type { Run as RunRow } from "../generated/prisma/client";

/**
 * Leaderboards: the runs of an experiment, or of every experiment on one dataset version, ranked by
 * a metric of each run's best epoch (the checkpoint it would serve), with the majority-class
 * baseline of the same metric beside them.
 */

/** The runs a leaderboard ranks. */
export type LeaderboardScope = { experimentId: string } | { datasetId: string };

/** What always answering the training split's most frequent class scores on a split. */
export interface MajorityBaseline {
  accuracy: number;
  macroF1: number;
}

/** One ranked run. */
export interface LeaderboardEntry {
  /** 1 for the best; equal values share a rank (1, 2, 2, 4). */
  rank: number;
  run: Run;
  /** The metric at the run's best epoch. */
  value: number;
  /** `value − baseline` (null without a baseline). */
  liftOverBaseline: number | null;
}

/** A page of a leaderboard with what to read it against. */
export interface Leaderboard {
  metric: EpochMetricName;
  isHigherBetter: boolean;
  /** The metric's majority-class baseline on the dataset (null for LOSS, or without class counts). */
  baseline: number | null;
  /** The split the metric and baseline are measured on (null for LOSS, a training number). */
  split: SplitName | null;
  page: Page<LeaderboardEntry>;
  scope: LeaderboardScope;
}

const METRIC_ORDERS: Record<EpochMetricName, RunOrder> = {
  VAL_MACRO_F1: "BEST_VAL_MACRO_F1_DESC",
  VAL_ACCURACY: "BEST_VAL_ACCURACY_DESC",
  TEST_ACCURACY: "BEST_TEST_ACCURACY_DESC",
  TRAIN_ACCURACY: "BEST_TRAIN_ACCURACY_DESC",
  LOSS: "BEST_LOSS_ASC",
};

const METRIC_SPLITS: Record<EpochMetricName, SplitName | null> = {
  VAL_MACRO_F1: "val",
  VAL_ACCURACY: "val",
  TEST_ACCURACY: "test",
  TRAIN_ACCURACY: "train",
  LOSS: null,
};

const METRIC_FIELDS: Record<EpochMetricName, string> = {
  VAL_MACRO_F1: "best.valMacroF1",
  VAL_ACCURACY: "best.valAccuracy",
  TEST_ACCURACY: "best.testAccuracy",
  TRAIN_ACCURACY: "best.trainAccuracy",
  LOSS: "best.loss",
};

/**
 * The majority baseline on `split`: the training split's most frequent class (ties: the first in
 * class order, as training picks it) predicted for every image. Macro-F1 averages over the classes
 * present in the split or predicted, as `ml/evaluate.ts` does; null without per-class counts.
 */
export function majorityBaseline(dataset: Dataset, split: SplitName): MajorityBaseline | null {
  const counts = dataset.summary.classCounts;
  if (!counts) return null;
  const trainCount = (label: string) => counts.train[label] ?? 0;
  const majority = dataset.classes.reduce<string | null>(
    (best, label) => (best === null || trainCount(label) > trainCount(best) ? label : best),
    null,
  );
  const splitCounts = counts[split];
  const total = Object.values(splitCounts).reduce((a, b) => a + b, 0);
  if (majority === null || total === 0) return null;
  const hits = splitCounts[majority] ?? 0;
  const accuracy = hits / total;
  const present = new Set([...Object.keys(splitCounts).filter((label) => splitCounts[label] > 0), majority]);
  const majorityF1 = hits === 0 ? 0 : (2 * accuracy) / (1 + accuracy);
  return { accuracy, macroF1: majorityF1 / present.size };
}

/** The baseline of `metric` on the dataset. */
export function baselineOf(dataset: Dataset, metric: EpochMetricName): number | null {
  const split = METRIC_SPLITS[metric];
  const baseline = split && majorityBaseline(dataset, split);
  if (!baseline) return null;
  return metric === "VAL_MACRO_F1" ? baseline.macroF1 : baseline.accuracy;
}

function scopePredicate(scope: LeaderboardScope, metric: EpochMetricName): RunPredicate {
  const owner: RunPredicate =
    "experimentId" in scope
      ? { kind: "compare", field: "experiment", operator: "=", value: scope.experimentId }
      : { kind: "compare", field: "dataset", operator: "=", value: scope.datasetId };
  return allOf([owner, not({ kind: "isNull", field: METRIC_FIELDS[metric] })]);
}

export class LeaderboardService {
  constructor(private readonly prisma: PrismaClient) {}

  /** One page of the leaderboard of `scope` by `metric`; `dataset` is the scope's dataset (for the baseline). */
  async leaderboard(
    scope: LeaderboardScope,
    dataset: Dataset,
    metric: EpochMetricName,
    request: PageRequest,
  ): Promise<Leaderboard> {
    const limit = pageSize(request.first);
    const ordering = runOrdering(METRIC_ORDERS[metric]);
    const cursorTag = `leaderboard:${metric}`;
    const after = request.after ? decodeCursor(cursorTag, request.after) : null;
    const id = "experimentId" in scope ? scope.experimentId : scope.datasetId;
    const rows = isId(id)
      ? await this.prisma.$queryRaw<
          (Omit<RunRow, "hyperparameters"> & { hyperparameters: string; sortValue: number; rank: number })[]
        >(leaderboardPageSql(runPredicateSql(scopePredicate(scope, metric)), ordering, after, limit + 1))
      : [];
    const page = toPage(
      rows,
      limit,
      cursorTag,
      (row) => ({ value: cursorValueOf(row.sortValue), id: row.id }),
      !!request.after,
    );
    const baseline = baselineOf(dataset, metric);
    return {
      metric,
      isHigherBetter: metric !== "LOSS",
      baseline,
      split: METRIC_SPLITS[metric],
      scope,
      page: {
        ...page,
        nodes: page.nodes.map(({ sortValue, rank, ...columns }) => ({
          rank,
          value: sortValue,
          liftOverBaseline: baseline === null ? null : sortValue - baseline,
          run: runOfRawRow(columns),
        })),
      },
    };
  }

  /** How many runs the leaderboard ranks (runs with a value of the metric). */
  async count(scope: LeaderboardScope, metric: EpochMetricName): Promise<number> {
    const id = "experimentId" in scope ? scope.experimentId : scope.datasetId;
    if (!isId(id)) return 0;
    const [{ count }] = await this.prisma.$queryRaw<{ count: number }[]>(
      runCountSql(runPredicateSql(scopePredicate(scope, metric))),
    );
    return count;
  }
}

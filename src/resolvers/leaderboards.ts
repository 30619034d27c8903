import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../api/context";
import type { Dataset as DatasetRecord } from "../experiments/datasets";
import type { Experiment as ExperimentRecord } from "../experiments/experiments";
import type { LeaderboardEntry as EntryRecord, LeaderboardScope } from "../experiments/leaderboards";
import type { PageRequest } from "../experiments/pagination";
import { Dataset } from "../schema/dataset";
import { EpochMetricName } from "../schema/enums";
import { Experiment } from "../schema/experiment";
import { Leaderboard, LeaderboardEntry } from "../schema/leaderboard";
import { EpochMetric } from "../schema/run";
import { toConnection } from "./connection";

const METRIC_DESCRIPTION = "Ranked by (default VAL_MACRO_F1; LOSS ranks the lowest first).";

/** A leaderboard page as a connection with its metric and baseline (`totalCount` still counted only when selected). */
async function leaderboardOf(
  ctx: Context,
  scope: LeaderboardScope,
  dataset: DatasetRecord,
  metric: EpochMetricName | undefined,
  request: PageRequest,
) {
  const ranked = metric ?? "VAL_MACRO_F1";
  const board = await ctx.registry.leaderboards.leaderboard(scope, dataset, ranked, request);
  const { metric: m, isHigherBetter, baseline, split } = board;
  return Object.assign(
    toConnection(board.page, () => ctx.registry.leaderboards.count(scope, ranked)),
    {
      metric: m,
      isHigherBetter,
      baseline,
      split,
    },
  );
}

@Resolver(() => Leaderboard)
export class LeaderboardResolver {
  @Authorized("VIEWER")
  @Query(() => Leaderboard, {
    nullable: true,
    description:
      "Every run on one dataset version, across experiments, ranked by a metric of its best epoch, with the majority-class baseline beside them; null for an unknown dataset.",
  })
  async leaderboard(
    @Ctx() ctx: Context,
    @Arg("datasetId", () => ID, { description: "The dataset version." }) datasetId: string,
    @Arg("metric", () => EpochMetricName, { nullable: true, description: METRIC_DESCRIPTION })
    metric?: EpochMetricName,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 0–100 (default 20)." })
    first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor to continue after." }) after?: string,
  ) {
    const dataset = await ctx.loaders.datasetById.load(datasetId);
    return dataset && leaderboardOf(ctx, { datasetId: dataset.id }, dataset, metric, { first, after });
  }
}

@Resolver(() => LeaderboardEntry)
export class LeaderboardEntryResolver {
  @FieldResolver(() => EpochMetric, { nullable: true })
  async bestEpoch(@Root() entry: EntryRecord, @Ctx() ctx: Context) {
    return ctx.loaders.bestEpochByRunId.load(entry.run.id);
  }
}

@Resolver(() => Experiment)
export class ExperimentLeaderboardResolver {
  @FieldResolver(() => Leaderboard, {
    description:
      "The experiment's runs ranked by a metric of their best epoch, best first, with the majority-class baseline beside them.",
  })
  async leaderboard(
    @Root() experiment: ExperimentRecord,
    @Ctx() ctx: Context,
    @Arg("metric", () => EpochMetricName, { nullable: true, description: METRIC_DESCRIPTION })
    metric?: EpochMetricName,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 0–100 (default 20)." })
    first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor to continue after." }) after?: string,
  ) {
    const dataset = await ctx.loaders.datasetById.load(experiment.datasetId);
    return leaderboardOf(ctx, { experimentId: experiment.id }, dataset!, metric, { first, after });
  }
}

@Resolver(() => Dataset)
export class DatasetLeaderboardResolver {
  @FieldResolver(() => Leaderboard, {
    description: "Every run on this dataset version, across experiments, ranked as Query.leaderboard does.",
  })
  async leaderboard(
    @Root() dataset: DatasetRecord,
    @Ctx() ctx: Context,
    @Arg("metric", () => EpochMetricName, { nullable: true, description: METRIC_DESCRIPTION })
    metric?: EpochMetricName,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 0–100 (default 20)." })
    first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor to continue after." }) after?: string,
  ) {
    return leaderboardOf(ctx, { datasetId: dataset.id }, dataset, metric, { first, after });
  }
}

import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../api/context";
import {
  hasEpochDetails,
  type EpochMetric as EpochRecord,
  type EpochMetricSummary,
} from "../experiments/runRecords";
import type { ListedRun, Run as RunRecord } from "../experiments/runs";
import { withDefaults } from "../ml/hyperparameters";
import { Architecture, EpochMetricName, RunOrder } from "../schema/enums";
import { Dataset } from "../schema/dataset";
import { Experiment } from "../schema/experiment";
import {
  Checkpoint,
  ClassMetric,
  ConfusionMatrix,
  EpochMetric,
  Hyperparameters,
  Run,
  RunConnection,
  StartRunInput,
} from "../schema/run";
import { RunComparison } from "../schema/runComparison";
import { RunFilter } from "../schema/runFilter";
import { Sweep } from "../schema/sweep";
import { toConnection } from "./connection";

const QUERY_DESCRIPTION =
  "Filter in the run query language, e.g. `architecture = MOBILENET_V2 and (learningRate < 0.01 or lossWeighting = INVERSE_FREQUENCY) and best.valMacroF1 > 0.5`. Operators =, !=, <, <=, >, >=, ~ (contains), !~, in (…), not in (…); and, or, not, parentheses. Errors are BAD_USER_INPUT with extensions.position (column) and extensions.expected. Combined with `filter` when both are given.";

@Resolver(() => Run)
export class RunResolver {
  @Authorized("VIEWER")
  @Query(() => RunConnection, { description: "Runs across experiments, filtered and sorted by any field." })
  async runs(
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 0–100 (default 20)." })
    first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor to continue after." }) after?: string,
    @Arg("filter", () => RunFilter, { nullable: true, description: "Conditions the runs meet." })
    filter?: RunFilter,
    @Arg("query", () => String, { nullable: true, description: QUERY_DESCRIPTION }) query?: string,
    @Arg("orderBy", () => RunOrder, { nullable: true, description: "Sort order (default CREATED_AT_DESC)." })
    orderBy?: RunOrder,
  ) {
    const search = { filter, query };
    const page = await ctx.registry.runs.list({ first, after }, search, orderBy ?? RunOrder.CREATED_AT_DESC);
    return toConnection(page, () => ctx.registry.runs.count(search));
  }

  @Authorized("VIEWER")
  @Query(() => Hyperparameters, {
    description:
      "The hyperparameters a run of this architecture gets for every field its startRun input omits: the article's settings, or the localizer's own tuned defaults for LOCALIZER (forms start from these).",
  })
  defaultHyperparameters(
    @Arg("architecture", () => Architecture, {
      nullable: true,
      description: "Model family (default ALEXNET_LITE, the article's).",
    })
    architecture?: Architecture | null,
  ) {
    return withDefaults({ architecture: architecture ?? undefined });
  }

  @Authorized("VIEWER")
  @Query(() => Run, { nullable: true, description: "One run by id; null when none has it." })
  async run(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "Run id." }) id: string) {
    return ctx.loaders.runById.load(id);
  }

  @Authorized("VIEWER")
  @Query(() => RunComparison, {
    description:
      "Up to 100 runs side by side: shared and differing hyperparameters, epoch-aligned series downsampled server-side (each bucket keeps its min and max), best epochs, per-class P/R/F1 with differences, best-epoch confusion matrices and their differences, evaluations. A constant number of SQL statements whatever the number of runs.",
  })
  async compareRuns(
    @Ctx() ctx: Context,
    @Arg("ids", () => [ID], { description: "1–100 run ids (duplicates are dropped)." }) ids: string[],
    @Arg("samples", () => Int, {
      nullable: true,
      description:
        "Buckets per series, 1–1000 (default 100); fewer epochs than that give one bucket per epoch.",
    })
    samples?: number,
    @Arg("referenceId", () => ID, {
      nullable: true,
      description: "The run differences are taken from (default: the first of ids).",
    })
    referenceId?: string,
    @Arg("metrics", () => [EpochMetricName], {
      nullable: true,
      description: "Series to return (default: all).",
    })
    metrics?: EpochMetricName[],
  ) {
    return ctx.registry.comparisons.compare({ ids, samples, referenceId, metrics });
  }

  @Authorized("ENGINEER")
  @Mutation(() => Run, {
    description:
      "Queues a training run. Hyperparameters are validated first (omitted ones take the article's defaults); errors name the field and nothing is queued.",
  })
  async startRun(
    @Ctx() ctx: Context,
    @Arg("input", () => StartRunInput, { description: "The run." }) input: StartRunInput,
  ) {
    return ctx.services.runs.start({
      experimentId: input.experimentId,
      hyperparameters: input.hyperparameters,
    });
  }

  @Authorized("ENGINEER")
  @Mutation(() => Run, {
    description:
      "Cancels a run: a queued one at once, a running one after its current batch (its last checkpoint is kept). A finished run is BAD_USER_INPUT.",
  })
  async cancelRun(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "Run id." }) id: string) {
    return ctx.services.runs.cancel(id);
  }

  @Authorized("ENGINEER")
  @Mutation(() => Run, {
    description:
      "Adds, then removes tags of a run (trimmed; at most 32 of up to 64 characters each). Searchable with `tag = …` in runs(query:).",
  })
  async tagRun(
    @Ctx() ctx: Context,
    @Arg("id", () => ID, { description: "Run id." }) id: string,
    @Arg("add", () => [String], { nullable: true, description: "Tags to add." }) add?: string[],
    @Arg("remove", () => [String], { nullable: true, description: "Tags to remove." }) remove?: string[],
  ) {
    return ctx.registry.annotations.tagRun(id, { add, remove });
  }

  @Authorized("ENGINEER")
  @Mutation(() => Run, {
    description:
      "Replaces a run's note (empty text clears it; at most 20,000 characters). Searchable with `note ~ …`.",
  })
  async setRunNote(
    @Ctx() ctx: Context,
    @Arg("id", () => ID, { description: "Run id." }) id: string,
    @Arg("note", () => String, { description: "The note." }) note: string,
  ) {
    return ctx.registry.annotations.setRunNote(id, note);
  }

  @Authorized("ENGINEER")
  @Mutation(() => Boolean, {
    description:
      "Deletes a finished run and reclaims its storage: its epochs, checkpoints (files too), evaluations, queue jobs, and the feature caches no remaining run uses. BAD_USER_INPUT while an alias points at it, while it is queued or running, or while it is being evaluated.",
  })
  async deleteRun(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "Run id." }) id: string) {
    await ctx.services.deletion.deleteRun(id);
    return true;
  }

  @FieldResolver(() => Experiment)
  async experiment(@Root() run: RunRecord, @Ctx() ctx: Context) {
    return ctx.loaders.experimentById.load(run.experimentId);
  }

  @FieldResolver(() => Dataset, { description: "The dataset version the run trains on (its experiment's)." })
  async dataset(@Root() run: RunRecord, @Ctx() ctx: Context) {
    const experiment = await ctx.loaders.experimentById.load(run.experimentId);
    return experiment && ctx.loaders.datasetById.load(experiment.datasetId);
  }

  @FieldResolver(() => [EpochMetric])
  async epochs(@Root() run: RunRecord, @Ctx() ctx: Context) {
    return ctx.loaders.epochsByRunId.load(run.id);
  }

  @FieldResolver(() => EpochMetric, { nullable: true })
  async bestEpochMetric(@Root() run: ListedRun, @Ctx() ctx: Context) {
    if (run.bestEpoch === null) return null;
    // A run page reads its runs' best epochs in the same statement.
    return run.bestEpochSummary !== undefined
      ? run.bestEpochSummary
      : ctx.loaders.bestEpochByRunId.load(run.id);
  }

  @FieldResolver(() => Checkpoint, { nullable: true })
  async bestCheckpoint(@Root() run: RunRecord, @Ctx() ctx: Context) {
    return run.bestEpoch === null ? null : ctx.loaders.bestCheckpointByRunId.load(run.id);
  }

  @FieldResolver(() => Sweep, { nullable: true, description: "The sweep that queued the run, if any." })
  async sweep(@Root() run: RunRecord, @Ctx() ctx: Context) {
    return run.sweepId === null ? null : ctx.loaders.sweepById.load(run.sweepId);
  }
}

/** Epochs are read without their per-class metrics and matrices; these fields load them when selected. */
@Resolver(() => EpochMetric)
export class EpochMetricResolver {
  @FieldResolver(() => [ClassMetric], { description: "Per-class validation metrics." })
  async perClass(@Root() epoch: EpochMetricSummary | EpochRecord, @Ctx() ctx: Context) {
    if (hasEpochDetails(epoch)) return epoch.perClass;
    return (await ctx.loaders.epochDetailsById.load(epoch.id))?.perClass ?? [];
  }

  @FieldResolver(() => ConfusionMatrix, { description: "Validation confusion matrix." })
  async confusionMatrix(@Root() epoch: EpochMetricSummary | EpochRecord, @Ctx() ctx: Context) {
    if (hasEpochDetails(epoch)) return epoch.confusionMatrix;
    return (await ctx.loaders.epochDetailsById.load(epoch.id))?.confusionMatrix ?? { labels: [], counts: [] };
  }
}

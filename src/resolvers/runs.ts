import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../api/context";
import { summariseComparison } from "../experiments/runComparison";
import type { Run as RunRecord } from "../experiments/runs";
import { RunOrder } from "../schema/enums";
import { Experiment } from "../schema/experiment";
import {
  Checkpoint,
  EpochMetric,
  Run,
  RunComparison,
  RunConnection,
  RunFilter,
  StartRunInput,
} from "../schema/run";
import { toConnection } from "./connection";

@Resolver(() => Run)
export class RunResolver {
  @Authorized("VIEWER")
  @Query(() => RunConnection, { description: "Runs across experiments." })
  async runs(
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 0–100 (default 20)." })
    first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor to continue after." }) after?: string,
    @Arg("filter", () => RunFilter, { nullable: true, description: "Conditions the runs meet." })
    filter?: RunFilter,
    @Arg("orderBy", () => RunOrder, { nullable: true, description: "Sort order (default CREATED_AT_DESC)." })
    orderBy?: RunOrder,
  ) {
    const page = await ctx.registry.runs.list(
      { first, after },
      filter ?? {},
      orderBy ?? RunOrder.CREATED_AT_DESC,
    );
    return toConnection(page, () => ctx.registry.runs.count(filter ?? {}));
  }

  @Authorized("VIEWER")
  @Query(() => Run, { nullable: true, description: "One run by id; null when none has it." })
  async run(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "Run id." }) id: string) {
    return ctx.loaders.runById.load(id);
  }

  @Authorized("VIEWER")
  @Query(() => RunComparison, {
    description: "Runs side by side: the best one and the hyperparameters that differ.",
  })
  async compareRuns(
    @Ctx() ctx: Context,
    @Arg("ids", () => [ID], { description: "1–20 run ids." }) ids: string[],
  ) {
    const runs = await ctx.registry.runs.getForComparison(ids);
    return { runs, ...summariseComparison(runs) };
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

  @FieldResolver(() => Experiment)
  async experiment(@Root() run: RunRecord, @Ctx() ctx: Context) {
    return ctx.loaders.experimentById.load(run.experimentId);
  }

  @FieldResolver(() => [EpochMetric])
  async epochs(@Root() run: RunRecord, @Ctx() ctx: Context) {
    return ctx.loaders.epochsByRunId.load(run.id);
  }

  @FieldResolver(() => EpochMetric, { nullable: true })
  async bestEpochMetric(@Root() run: RunRecord, @Ctx() ctx: Context) {
    if (run.bestEpoch === null) return null;
    const epochs = await ctx.loaders.epochsByRunId.load(run.id);
    return epochs.find((e) => e.epoch === run.bestEpoch) ?? null;
  }

  @FieldResolver(() => Checkpoint, { nullable: true })
  async bestCheckpoint(@Root() run: RunRecord, @Ctx() ctx: Context) {
    if (run.bestEpoch === null) return null;
    return ctx.registry.runs.checkpointAt(run.id, run.bestEpoch);
  }
}

import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../api/context";
import { sweepDimensionsOf, sweepStatusOf, type Sweep as SweepRecord } from "../experiments/sweeps";
import { RunOrder, SweepStatus } from "../schema/enums";
import { Experiment } from "../schema/experiment";
import { Run, RunConnection } from "../schema/run";
import {
  RunStatusCounts,
  StartSweepInput,
  Sweep,
  SweepConnection,
  SweepDimension,
  SweepFilter,
} from "../schema/sweep";
import { toConnection } from "./connection";

@Resolver(() => Sweep)
export class SweepResolver {
  @Authorized("VIEWER")
  @Query(() => Sweep, { nullable: true, description: "One sweep by id; null when none has it." })
  async sweep(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "Sweep id." }) id: string) {
    return ctx.loaders.sweepById.load(id);
  }

  @Authorized("VIEWER")
  @Query(() => SweepConnection, { description: "Sweeps, newest first." })
  async sweeps(
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 0–100 (default 20)." })
    first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor to continue after." }) after?: string,
    @Arg("filter", () => SweepFilter, { nullable: true, description: "Conditions the sweeps meet." })
    filter?: SweepFilter,
  ) {
    const page = await ctx.registry.sweeps.list({ first, after }, filter ?? {});
    return toConnection(page, () => ctx.registry.sweeps.count(filter ?? {}));
  }

  @Authorized("ENGINEER")
  @Mutation(() => Sweep, {
    description:
      "Queues runs over a hyperparameter space (GRID: every combination; RANDOM: maxRuns seeded draws). Every point is validated first: on any error nothing is queued and the error names the point and field.",
  })
  async startSweep(
    @Ctx() ctx: Context,
    @Arg("input", () => StartSweepInput, { description: "The sweep." }) input: StartSweepInput,
  ) {
    return ctx.services.sweeps.start(input);
  }

  @Authorized("ENGINEER")
  @Mutation(() => Sweep, {
    description:
      "Cancels a sweep: its queued runs at once, its running runs after their current batch. Cancelling it again changes nothing; a sweep whose runs have all ended is BAD_USER_INPUT.",
  })
  async cancelSweep(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "Sweep id." }) id: string) {
    return ctx.services.sweeps.cancel(id);
  }

  @FieldResolver(() => Experiment)
  async experiment(@Root() sweep: SweepRecord, @Ctx() ctx: Context) {
    return ctx.loaders.experimentById.load(sweep.experimentId);
  }

  @FieldResolver(() => [SweepDimension])
  dimensions(@Root() sweep: SweepRecord) {
    return sweepDimensionsOf(sweep);
  }

  @FieldResolver(() => String)
  baseHyperparameters(@Root() sweep: SweepRecord) {
    return JSON.stringify(sweep.baseHyperparameters);
  }

  @FieldResolver(() => SweepStatus)
  async status(@Root() sweep: SweepRecord, @Ctx() ctx: Context) {
    return sweepStatusOf(sweep, await ctx.loaders.runCountsBySweepId.load(sweep.id));
  }

  @FieldResolver(() => RunStatusCounts)
  async runCounts(@Root() sweep: SweepRecord, @Ctx() ctx: Context) {
    return ctx.loaders.runCountsBySweepId.load(sweep.id);
  }

  @FieldResolver(() => Run, { nullable: true })
  async bestRun(@Root() sweep: SweepRecord, @Ctx() ctx: Context) {
    const page = await ctx.loaders
      .runPagesOf("sweep", { first: 1 }, { query: "best.valMacroF1 != null" }, "BEST_VAL_MACRO_F1_DESC")
      .load(sweep.id);
    return page.nodes[0] ?? null;
  }

  @FieldResolver(() => RunConnection, {
    description: "The sweep's runs (oldest first unless orderBy says otherwise).",
  })
  async runs(
    @Root() sweep: SweepRecord,
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 0–100 (default 20)." })
    first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor to continue after." }) after?: string,
    @Arg("orderBy", () => RunOrder, { nullable: true, description: "Sort order (default CREATED_AT_ASC)." })
    orderBy?: RunOrder,
  ) {
    const order = orderBy ?? RunOrder.CREATED_AT_ASC;
    const page = await ctx.loaders.runPagesOf("sweep", { first, after }, {}, order).load(sweep.id);
    return toConnection(page, async () => (await ctx.loaders.runCountsBySweepId.load(sweep.id)).total);
  }
}

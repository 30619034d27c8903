import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../api/context";
import type { Experiment as ExperimentRow } from "../experiments/experiments";
import { Dataset } from "../schema/dataset";
import {
  CreateExperimentInput,
  Experiment,
  ExperimentConnection,
  ExperimentFilter,
} from "../schema/experiment";
import { RunOrder } from "../schema/enums";
import { RunConnection } from "../schema/run";
import { toConnection } from "./connection";

@Resolver(() => Experiment)
export class ExperimentResolver {
  @Authorized("VIEWER")
  @Query(() => ExperimentConnection, { description: "Experiments, newest first." })
  async experiments(
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 0–100 (default 20)." })
    first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor to continue after." }) after?: string,
    @Arg("filter", () => ExperimentFilter, {
      nullable: true,
      description: "Conditions the experiments meet.",
    })
    filter?: ExperimentFilter,
  ) {
    const page = await ctx.registry.experiments.list({ first, after }, filter ?? {});
    return toConnection(page, () => ctx.registry.experiments.count(filter ?? {}));
  }

  @Authorized("VIEWER")
  @Query(() => Experiment, { nullable: true, description: "One experiment by id; null when none has it." })
  async experiment(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "Experiment id." }) id: string) {
    return ctx.loaders.experimentById.load(id);
  }

  @Authorized("ENGINEER")
  @Mutation(() => Experiment, { description: "Creates an experiment over a dataset. Names are unique." })
  async createExperiment(
    @Ctx() ctx: Context,
    @Arg("input", () => CreateExperimentInput, { description: "The experiment." })
    input: CreateExperimentInput,
  ) {
    return ctx.registry.experiments.create(input);
  }

  @FieldResolver(() => Dataset)
  async dataset(@Root() experiment: ExperimentRow, @Ctx() ctx: Context) {
    return ctx.loaders.datasetById.load(experiment.datasetId);
  }

  @FieldResolver(() => RunConnection, {
    description:
      "Runs of this experiment (newest first unless orderBy says otherwise); batched across experiments.",
  })
  async runs(
    @Root() experiment: ExperimentRow,
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 0–100 (default 20)." })
    first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor to continue after." }) after?: string,
    @Arg("query", () => String, {
      nullable: true,
      description: "Filter in the run query language (see Query.runs).",
    })
    query?: string,
    @Arg("orderBy", () => RunOrder, { nullable: true, description: "Sort order (default CREATED_AT_DESC)." })
    orderBy?: RunOrder,
  ) {
    const search = { query: query ?? null };
    const order = orderBy ?? RunOrder.CREATED_AT_DESC;
    const page = await ctx.loaders
      .runPagesOf("experiment", { first, after }, search, order)
      .load(experiment.id);
    return toConnection(page, () => ctx.loaders.runCountsOf("experiment", search).load(experiment.id));
  }

  @Authorized("ENGINEER")
  @Mutation(() => Experiment, { description: "Adds, then removes tags of an experiment (at most 32)." })
  async tagExperiment(
    @Ctx() ctx: Context,
    @Arg("id", () => ID, { description: "Experiment id." }) id: string,
    @Arg("add", () => [String], { nullable: true, description: "Tags to add." }) add?: string[],
    @Arg("remove", () => [String], { nullable: true, description: "Tags to remove." }) remove?: string[],
  ) {
    return ctx.registry.annotations.tagExperiment(id, { add, remove });
  }

  @Authorized("ENGINEER")
  @Mutation(() => Experiment, { description: "Replaces an experiment's note (empty text clears it)." })
  async setExperimentNote(
    @Ctx() ctx: Context,
    @Arg("id", () => ID, { description: "Experiment id." }) id: string,
    @Arg("note", () => String, { description: "The note." }) note: string,
  ) {
    return ctx.registry.annotations.setExperimentNote(id, note);
  }

  @Authorized("ENGINEER")
  @Mutation(() => Boolean, {
    description:
      "Deletes an experiment with its sweeps and runs, reclaiming their storage as deleteRun does. BAD_USER_INPUT (nothing deleted) while any of its runs is queued or running, served by an alias, or being evaluated.",
  })
  async deleteExperiment(
    @Ctx() ctx: Context,
    @Arg("id", () => ID, { description: "Experiment id." }) id: string,
  ) {
    await ctx.services.deletion.deleteExperiment(id);
    return true;
  }
}

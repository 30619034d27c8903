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

  @FieldResolver(() => RunConnection, { description: "Runs of this experiment, newest first." })
  async runs(
    @Root() experiment: ExperimentRow,
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 0–100 (default 20)." })
    first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor to continue after." }) after?: string,
  ) {
    const filter = { experimentId: experiment.id };
    const page = await ctx.registry.runs.list({ first, after }, filter);
    return toConnection(page, () => ctx.registry.runs.count(filter));
  }
}

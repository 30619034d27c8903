import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../api/context";
import type { Evaluation as EvaluationRecord } from "../experiments/evaluations";
import { Dataset } from "../schema/dataset";
import {
  EvaluateModelInput,
  EvaluatedModel,
  Evaluation,
  EvaluationConnection,
  EvaluationFilter,
  EvaluationPredictionConnection,
  RecognitionScores,
} from "../schema/evaluation";
import { Run } from "../schema/run";
import { toConnection } from "./connection";

@Resolver(() => Evaluation)
export class EvaluationResolver {
  @Authorized("VIEWER")
  @Query(() => Evaluation, { nullable: true, description: "One evaluation by id; null when none has it." })
  async evaluation(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "Evaluation id." }) id: string) {
    return ctx.registry.evaluations.get(id);
  }

  @Authorized("VIEWER")
  @Query(() => EvaluationConnection, { description: "Evaluations, newest first." })
  async evaluations(
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 0–100 (default 20)." })
    first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor to continue after." }) after?: string,
    @Arg("filter", () => EvaluationFilter, {
      nullable: true,
      description: "Conditions the evaluations meet.",
    })
    filter?: EvaluationFilter,
  ) {
    const page = await ctx.registry.evaluations.list({ first, after }, filter ?? {});
    return toConnection(page, () => ctx.registry.evaluations.count(filter ?? {}));
  }

  @Authorized("ENGINEER")
  @Mutation(() => Evaluation, {
    description:
      "Scores a model (an alias or a run's best checkpoint) on a split of a READY dataset, classifying every image through the same path as classifyImage. Returns the evaluation RUNNING at once; it becomes SUCCEEDED (or FAILED with an error) in the background, with progress in between.",
  })
  async evaluateModel(
    @Ctx() ctx: Context,
    @Arg("input", () => EvaluateModelInput, { description: "Model, dataset and split." })
    input: EvaluateModelInput,
  ) {
    return (await ctx.services.evaluations.start(input)).evaluation;
  }

  @FieldResolver(() => EvaluatedModel)
  async model(@Root() evaluation: EvaluationRecord, @Ctx() ctx: Context) {
    const [run, checkpoint] = await Promise.all([
      ctx.loaders.runById.load(evaluation.runId),
      ctx.loaders.checkpointById.load(evaluation.checkpointId),
    ]);
    return { run, checkpoint, reference: evaluation.modelReference };
  }

  @FieldResolver(() => Dataset)
  async dataset(@Root() evaluation: EvaluationRecord, @Ctx() ctx: Context) {
    return ctx.loaders.datasetById.load(evaluation.datasetId);
  }

  @FieldResolver(() => RecognitionScores, { nullable: true })
  recognition(@Root() evaluation: EvaluationRecord): RecognitionScores | null {
    const { recognitionPrecision: precision, recognitionRecall: recall } = evaluation;
    return precision === null || recall === null ? null : { precision, recall };
  }

  @FieldResolver(() => EvaluationPredictionConnection)
  async predictions(
    @Root() evaluation: EvaluationRecord,
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 0–100 (default 20)." })
    first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor to continue after." }) after?: string,
    @Arg("truth", () => String, { nullable: true, description: "Only images of this class." }) truth?: string,
    @Arg("predicted", () => String, { nullable: true, description: "Only images answered with this label." })
    predicted?: string,
    @Arg("isCorrect", () => Boolean, {
      nullable: true,
      description: "true: only correct answers; false: only mistakes.",
    })
    isCorrect?: boolean,
  ) {
    const filter = { truth, predicted, isCorrect };
    const page = await ctx.registry.evaluations.predictions(evaluation.id, { first, after }, filter);
    return toConnection(page, () => ctx.registry.evaluations.countPredictions(evaluation.id, filter));
  }
}

@Resolver(() => Run)
export class RunEvaluationsResolver {
  @FieldResolver(() => [Evaluation], { description: "Evaluations of this run's checkpoints, newest first." })
  async evaluations(@Root() run: { id: string }, @Ctx() ctx: Context) {
    return ctx.loaders.evaluationsByRunId.load(run.id);
  }
}

import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { Context } from "../api/context";
import type { EvaluationComparison as EvaluationComparisonRecord } from "../experiments/comparisons";
import { Dataset } from "../schema/dataset";
import { EvaluationComparison } from "../schema/runComparison";

@Resolver(() => EvaluationComparison)
export class EvaluationComparisonResolver {
  @FieldResolver(() => Dataset, { nullable: true })
  async dataset(@Root() comparison: EvaluationComparisonRecord, @Ctx() ctx: Context) {
    return ctx.loaders.datasetById.load(comparison.datasetId);
  }
}

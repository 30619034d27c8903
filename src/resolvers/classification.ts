import { Arg, Authorized, Ctx, Mutation, Resolver } from "type-graphql";
import type { Context } from "../api/context";
import { ClassifyImageInput, ClassifyImageResult } from "../schema/classification";

@Resolver()
export class ClassificationResolver {
  @Authorized("SERVICE")
  @Mutation(() => ClassifyImageResult, {
    description:
      "Classifies one image with a model alias (default production) or a run's best checkpoint. Needs the SERVICE role; rate limited per key (RATE_LIMITED with extensions.retryAfterMs).",
  })
  async classifyImage(
    @Ctx() ctx: Context,
    @Arg("input", () => ClassifyImageInput, { description: "Image and model." }) input: ClassifyImageInput,
  ) {
    return ctx.services.serving.classify(input, ctx.principal!.keyId);
  }
}

import { Arg, Authorized, Ctx, ID, Int, Query, Resolver } from "type-graphql";
import type { Context } from "../api/context";
import { Dataset, DatasetConnection } from "../schema/dataset";
import { toConnection } from "./connection";

@Resolver(() => Dataset)
export class DatasetResolver {
  @Authorized("VIEWER")
  @Query(() => DatasetConnection, { description: "Registered datasets, newest first." })
  async datasets(
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 0–100 (default 20)." })
    first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor to continue after." }) after?: string,
  ) {
    const page = await ctx.registry.datasets.list({ first, after });
    return toConnection(page, () => ctx.registry.datasets.count());
  }

  @Authorized("VIEWER")
  @Query(() => Dataset, { nullable: true, description: "One dataset by id; null when none has it." })
  async dataset(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "Dataset id." }) id: string) {
    return ctx.loaders.datasetById.load(id);
  }
}

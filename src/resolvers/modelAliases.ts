import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../api/context";
import type { ModelAlias as ModelAliasRow } from "../experiments/modelAliases";
import { ModelAlias, ModelAliasChange, SetModelAliasInput } from "../schema/modelAlias";
import { Checkpoint, Run } from "../schema/run";

@Resolver(() => ModelAlias)
export class ModelAliasResolver {
  @Authorized("VIEWER")
  @Query(() => [ModelAlias], { description: "Every model alias, by name." })
  async modelAliases(@Ctx() ctx: Context) {
    return ctx.registry.modelAliases.list();
  }

  @Authorized("ENGINEER")
  @Mutation(() => ModelAlias, {
    description:
      "Points an alias (e.g. production) at a run's best checkpoint; creates the alias if needed and records who changed it, when, and from what.",
  })
  async setModelAlias(
    @Ctx() ctx: Context,
    @Arg("input", () => SetModelAliasInput, { description: "Alias and run." }) input: SetModelAliasInput,
  ) {
    return ctx.registry.modelAliases.set(input.name, input.runId, ctx.principal!.keyId);
  }

  @FieldResolver(() => Run)
  async run(@Root() alias: ModelAliasRow, @Ctx() ctx: Context) {
    return ctx.loaders.runById.load(alias.runId);
  }

  @FieldResolver(() => Checkpoint)
  async checkpoint(@Root() alias: ModelAliasRow, @Ctx() ctx: Context) {
    return ctx.loaders.checkpointById.load(alias.checkpointId);
  }

  @FieldResolver(() => [ModelAliasChange])
  async history(@Root() alias: ModelAliasRow, @Ctx() ctx: Context) {
    return ctx.loaders.aliasHistoryById.load(alias.id);
  }
}

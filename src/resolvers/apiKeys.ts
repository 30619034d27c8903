import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import type { Context } from "../api/context";
import { ApiKey, CreateApiKeyInput, CreatedApiKey } from "../schema/apiKey";

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Authorized("ADMIN")
  @Query(() => [ApiKey], { description: "Every API key, newest first (secrets are never readable)." })
  async apiKeys(@Ctx() ctx: Context) {
    return ctx.registry.apiKeys.list();
  }

  @Authorized("ADMIN")
  @Mutation(() => CreatedApiKey, { description: "Creates an API key; the secret is in this response only." })
  async createApiKey(
    @Ctx() ctx: Context,
    @Arg("input", () => CreateApiKeyInput, { description: "The key." }) input: CreateApiKeyInput,
  ) {
    return ctx.registry.apiKeys.create(input.role, input.name);
  }

  @Authorized("ADMIN")
  @Mutation(() => ApiKey, { description: "Revokes an API key at once." })
  async revokeApiKey(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "Key id." }) id: string) {
    return ctx.registry.apiKeys.revoke(id);
  }
}

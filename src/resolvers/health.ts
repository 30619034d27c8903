import { Ctx, Query, Resolver } from "type-graphql";
import type { Context } from "../api/context";
import { Health } from "../schema/health";

@Resolver(() => Health)
export class HealthResolver {
  @Query(() => Health, { description: "Liveness, version, database and ML backend. Needs no API key." })
  async health(@Ctx() ctx: Context): Promise<Health> {
    await ctx.server.checkDatabase();
    return {
      status: "ok",
      version: ctx.server.version,
      database: ctx.server.database,
      mlBackend: ctx.server.mlBackend(),
    };
  }
}

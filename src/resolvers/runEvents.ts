import {
  Arg,
  Ctx,
  FieldResolver,
  ID,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from "type-graphql";
import { requireRole } from "../api/auth";
import type { Context } from "../api/context";
import { followRun, type RunProgressEvent } from "../jobs/runProgress";
import { EpochMetric, Run, RunEvent } from "../schema/run";

@Resolver(() => RunEvent)
export class RunEventResolver {
  @Subscription(() => RunEvent, {
    description:
      "A run's progress: first a SNAPSHOT of its current state, then status changes, batch progress and one EPOCH event per committed epoch; ends after a final status. Needs the VIEWER role.",
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { runId: string }, Context>) => {
      requireRole(context.principal, "VIEWER");
      return followRun(context.registry, context.services.bus, args.runId);
    },
  })
  runProgress(
    @Root() event: RunProgressEvent,
    @Arg("runId", () => ID, { description: "Run to follow." }) _runId: string,
  ): RunProgressEvent {
    return event;
  }

  // Read fresh on every event: a subscription's context lives as long as the subscription.
  @FieldResolver(() => Run)
  async run(@Root() event: RunProgressEvent, @Ctx() ctx: Context) {
    return ctx.registry.runs.get(event.runId);
  }

  @FieldResolver(() => EpochMetric, { nullable: true })
  async epoch(@Root() event: RunProgressEvent, @Ctx() ctx: Context) {
    return event.epoch === null ? null : ctx.registry.runs.epochAt(event.runId, event.epoch);
  }
}

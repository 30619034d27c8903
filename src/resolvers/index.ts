import { printSchema, type GraphQLSchema } from "graphql";
import { createPubSub } from "@graphql-yoga/subscription";
import { buildSchema } from "type-graphql";
import { authChecker } from "../api/auth";
import { ApiKeyResolver } from "./apiKeys";
import { ClassificationResolver } from "./classification";
import { DatasetResolver } from "./datasets";
import { EvaluationResolver, RunEvaluationsResolver } from "./evaluations";
import { ExperimentResolver } from "./experiments";
import { HealthResolver } from "./health";
import { ModelAliasResolver } from "./modelAliases";
import { RunEventResolver } from "./runEvents";
import {
  DatasetLeaderboardResolver,
  ExperimentLeaderboardResolver,
  LeaderboardEntryResolver,
  LeaderboardResolver,
} from "./leaderboards";
import { EvaluationComparisonResolver } from "./runComparison";
import { EpochMetricResolver, RunResolver } from "./runs";
import { SweepResolver } from "./sweeps";

/** Every resolver class of the API. */
export const RESOLVERS = [
  HealthResolver,
  DatasetResolver,
  ExperimentResolver,
  RunResolver,
  RunEventResolver,
  ModelAliasResolver,
  ApiKeyResolver,
  ClassificationResolver,
  EvaluationResolver,
  RunEvaluationsResolver,
  EpochMetricResolver,
  EvaluationComparisonResolver,
  SweepResolver,
  LeaderboardResolver,
  LeaderboardEntryResolver,
  ExperimentLeaderboardResolver,
  DatasetLeaderboardResolver,
] as const;

/** The executable GraphQL schema. */
export async function buildLogoLabSchema(): Promise<GraphQLSchema> {
  // Every subscription has its own `subscribe` (events come from the jobs' EventBus); type-graphql
  // still insists on a pubSub, so it gets one that nothing publishes to.
  return buildSchema({ resolvers: RESOLVERS, authChecker, validate: false, pubSub: createPubSub() });
}

/** The schema as SDL, as committed in `schema.graphql` (the API contract clients read). */
export async function printLogoLabSchema(): Promise<string> {
  return `${printSchema(await buildLogoLabSchema())}\n`;
}

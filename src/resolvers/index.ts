import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { authChecker } from "../api/auth";
import { ApiKeyResolver } from "./apiKeys";
import { DatasetResolver } from "./datasets";
import { ExperimentResolver } from "./experiments";
import { HealthResolver } from "./health";
import { ModelAliasResolver } from "./modelAliases";
import { RunResolver } from "./runs";

/** Every resolver class of the API. */
export const RESOLVERS = [
  HealthResolver,
  DatasetResolver,
  ExperimentResolver,
  RunResolver,
  ModelAliasResolver,
  ApiKeyResolver,
] as const;

/** The executable GraphQL schema. */
export async function buildLogoLabSchema(): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: RESOLVERS, authChecker, validate: false });
}

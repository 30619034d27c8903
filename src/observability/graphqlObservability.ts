import type { ApolloServerPlugin } from "@apollo/server";
import type { GraphQLFormattedError, OperationDefinitionNode } from "graphql";
import type { Logger } from "./logger";
import type { LogoLabMetrics } from "./metrics";
import { currentRequestId } from "./requestContext";

/** Most distinct operation names kept as label values; later ones count as `other`. */
const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Labels of one GraphQL operation in the metrics. */
export interface OperationLabels {
  operation: string;
  root_field: string;
  type: string;
  outcome: string;
}

/** The outcome label: `ok`, or the first error's `extensions.code`. */
export function outcomeOf(errors: readonly GraphQLFormattedError[] | undefined): string {
  if (!errors || errors.length === 0) return "ok";
  const code = errors[0].extensions?.code;
  return typeof code === "string" ? code : "INTERNAL_SERVER_ERROR";
}

function rootFieldOf(operation: OperationDefinitionNode | undefined): string {
  const first = operation?.selectionSet.selections.find((selection) => selection.kind === "Field");
  return first?.kind === "Field" ? first.name.value : "unknown";
}

/** Adds the current request id to an error's extensions (the formatter's last step). */
export function withRequestId(error: GraphQLFormattedError): GraphQLFormattedError {
  const requestId = currentRequestId();
  return requestId ? { ...error, extensions: { ...error.extensions, requestId } } : error;
}

/**
 * Apollo plugin: counts and times every GraphQL operation over HTTP by name, root field, type and
 * outcome, and logs one line per operation (its name, outcome, error codes and duration — never
 * its variables, which may hold images, nor its headers, which hold API keys).
 */
export function graphqlObservabilityPlugin<Context extends object>(
  metrics: LogoLabMetrics,
  logger: Logger,
): ApolloServerPlugin<Context> {
  const knownNames = new Set<string>();
  const operationLabel = (name: string | null | undefined): string => {
    if (!name) return "(anonymous)";
    if (!OPERATION_NAME.test(name)) return "other";
    if (knownNames.has(name)) return name;
    if (knownNames.size >= MAX_OPERATION_NAMES) return "other";
    knownNames.add(name);
    return name;
  };
  const record = (labels: OperationLabels, startedAt: number, errors?: readonly GraphQLFormattedError[]) => {
    const durationMs = performance.now() - startedAt;
    metrics.graphqlOperations.inc(labels);
    metrics.graphqlDuration.observe(labels, durationMs / 1000);
    const codes = errors?.map((error) => error.extensions?.code ?? "INTERNAL_SERVER_ERROR");
    logger.info(
      {
        operation: labels.operation,
        rootField: labels.root_field,
        type: labels.type,
        outcome: labels.outcome,
        errorCodes: codes,
        durationMs: Math.round(durationMs * 10) / 10,
      },
      "graphql operation",
    );
  };
  return {
    async requestDidStart() {
      const startedAt = performance.now();
      return {
        async willSendResponse(context) {
          const body = context.response.body;
          const errors = body.kind === "single" ? body.singleResult.errors : undefined;
          record(
            {
              operation: operationLabel(context.operationName ?? context.request.operationName),
              root_field: rootFieldOf(context.operation),
              type: context.operation?.operation ?? "unknown",
              outcome: outcomeOf(errors),
            },
            startedAt,
            errors,
          );
        },
      };
    },
    async contextCreationDidFail({ error }) {
      // The context failed (a bad API key): no operation was read, but the request still counts.
      const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
      const outcome = typeof code === "string" ? code : "INTERNAL_SERVER_ERROR";
      record({ operation: "(unread)", root_field: "unknown", type: "unknown", outcome }, performance.now(), [
        { message: "", extensions: { code: outcome } },
      ]);
    },
  };
}

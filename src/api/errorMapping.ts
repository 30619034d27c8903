import { unwrapResolverError } from "@apollo/server/errors";
import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { LogoLabError } from "../errors";

/** Something that records unexpected errors (console by default). */
export type ErrorLogger = (error: unknown) => void;

const INTERNAL_MESSAGE = "Internal server error";

/**
 * The one place errors become GraphQL errors: LogoLab's typed errors keep their message, code and
 * details; GraphQL's own (parse, validation, variable coercion) keep theirs; anything else is
 * logged and answered as INTERNAL_SERVER_ERROR without leaking its text.
 */
export function createErrorFormatter(log: ErrorLogger) {
  return function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
    const original = unwrapResolverError(error);
    const base = { locations: formatted.locations, path: formatted.path };
    if (original instanceof LogoLabError) {
      return { ...base, message: original.message, extensions: { ...original.details, code: original.code } };
    }
    if (formatted.extensions?.limit) {
      return { ...formatted, extensions: { ...formatted.extensions, code: "BAD_USER_INPUT" } };
    }
    const code = formatted.extensions?.code;
    const isGraphQLOwn =
      original instanceof GraphQLError && typeof code === "string" && code !== "INTERNAL_SERVER_ERROR";
    if (isGraphQLOwn) return { ...base, message: formatted.message, extensions: { code } };
    log(original);
    return { ...base, message: INTERNAL_MESSAGE, extensions: { code: "INTERNAL_SERVER_ERROR" } };
  };
}

/**
 * Typed errors every layer may throw. `src/api/errorMapping.ts` is the one place that turns them
 * into GraphQL `extensions.code`; like `config.ts`, this module imports nothing from `src/`.
 */

/** Error codes of the public API (API.md). */
export type ErrorCode =
  "BAD_USER_INPUT" | "UNAUTHENTICATED" | "FORBIDDEN" | "NOT_FOUND" | "RATE_LIMITED" | "INTERNAL_SERVER_ERROR";

/** Base class: a message safe to show to API clients plus its code and optional structured details. */
export abstract class LogoLabError extends Error {
  abstract readonly code: ErrorCode;
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** Read by graphql-js when it wraps this error, so every transport (HTTP, websocket) carries the code. */
  get extensions(): Record<string, unknown> {
    return { ...this.details, code: this.code };
  }
}

/** The input is invalid; `details.field` names the offending field when there is one. */
export class ValidationError extends LogoLabError {
  readonly code = "BAD_USER_INPUT";
}

/** An entity referenced by id or name does not exist. */
export class NotFoundError extends LogoLabError {
  readonly code = "NOT_FOUND";
  constructor(entity: string, key: string) {
    super(`${entity} ${JSON.stringify(key)} does not exist`, { entity, key });
  }
}

/** A unique name or state transition conflicts with what is stored (reported as BAD_USER_INPUT). */
export class ConflictError extends LogoLabError {
  readonly code = "BAD_USER_INPUT";
}

/** No credentials, or credentials that are unknown or revoked. */
export class UnauthenticatedError extends LogoLabError {
  readonly code = "UNAUTHENTICATED";
}

/** Valid credentials whose role is too weak for the operation. */
export class ForbiddenError extends LogoLabError {
  readonly code = "FORBIDDEN";
}

/** The caller exceeded a rate or queue limit; `details.retryAfterMs` says when to retry. */
export class RateLimitedError extends LogoLabError {
  readonly code = "RATE_LIMITED";
}

/** Bytes that are not a supported, safe image (not an image, truncated, too many pixels, …). */
export class InvalidImageError extends LogoLabError {
  readonly code = "BAD_USER_INPUT";
}

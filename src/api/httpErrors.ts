import type { NextFunction, Request, Response } from "express";

interface RequestParsingError {
  /** body-parser's error kind, e.g. `entity.too.large`. */
  type?: string;
  status?: number;
  limit?: number;
  /** Set by the multipart upload middleware's HttpErrors. */
  expose?: boolean;
  message?: string;
}

function describe(error: RequestParsingError, status: number): string {
  if (status === 413) {
    return error.limit
      ? `request body exceeds the limit of ${error.limit} bytes`
      : `request too large: ${error.message}`;
  }
  return error.type
    ? `request body is not valid JSON (${error.type})`
    : `malformed request: ${error.message}`;
}

/**
 * Express error handler for what fails before GraphQL runs (body too large, malformed JSON, a bad
 * multipart upload): answers in the GraphQL error shape so clients see one format and an
 * `extensions.code`.
 */
export function bodyErrorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  const parsing = error as RequestParsingError;
  const isParsingError =
    typeof parsing?.type === "string" || (parsing?.expose === true && typeof parsing.status === "number");
  if (res.headersSent || !isParsingError) {
    next(error);
    return;
  }
  const status = parsing.type === "entity.too.large" ? 413 : (parsing.status ?? 400);
  const code = status === 413 ? "BAD_USER_INPUT" : "BAD_REQUEST";
  // The request id middleware (src/observability/requestContext.ts) has set the header already.
  const requestId = res.getHeader("x-request-id");
  const extensions = typeof requestId === "string" ? { code, requestId } : { code };
  res.status(status).json({ errors: [{ message: describe(parsing, status), extensions }] });
}

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
export function bodyErrorHandler(error: unknown, req: Request, res: Response, next: NextFunction): void {
  const parsing = error as RequestParsingError;
  const isParsingError =
    typeof parsing?.type === "string" || (parsing?.expose === true && typeof parsing.status === "number");
  // busboy's own errors (a truncated or malformed multipart body) carry no status: still the client's.
  const isMultipartError =
    error instanceof Error && !isParsingError && req.is("multipart/form-data") !== false;
  if (res.headersSent || !(isParsingError || isMultipartError)) {
    next(error);
    return;
  }
  if (isMultipartError) {
    sendErrors(res, 400, `malformed multipart request: ${(error as Error).message}`, "BAD_REQUEST");
    return;
  }
  const status = parsing.type === "entity.too.large" ? 413 : (parsing.status ?? 400);
  sendErrors(res, status, describe(parsing, status), status === 413 ? "BAD_USER_INPUT" : "BAD_REQUEST");
}

/** Answers one error in the GraphQL shape, with the request's id when it has one. */
function sendErrors(res: Response, status: number, message: string, code: string): void {
  // The request id middleware (src/observability/requestContext.ts) has set the header already.
  const requestId = res.getHeader("x-request-id");
  const extensions = typeof requestId === "string" ? { code, requestId } : { code };
  res.status(status).json({ errors: [{ message, extensions }] });
}

/**
 * The last Express error handler: whatever nothing else answered is logged and becomes a 500 in
 * the GraphQL shape — never Express's default page, which prints the stack outside production.
 */
export function internalErrorHandler(log: (error: unknown) => void) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
    if (res.headersSent) {
      next(error);
      return;
    }
    log(error);
    sendErrors(res, 500, "Internal server error", "INTERNAL_SERVER_ERROR");
  };
}

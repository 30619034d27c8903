import type { NextFunction, Request, Response } from "express";

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

/**
 * Express error handler for what fails before GraphQL runs (body too large, malformed JSON):
 * answers in the GraphQL error shape so clients see one format and an `extensions.code`.
 */
export function bodyErrorHandler(error: unknown, _req: Request, res: Response, next: NextFunction): void {
  const parserError = error as BodyParserError;
  if (res.headersSent || typeof parserError?.type !== "string") {
    next(error);
    return;
  }
  const isTooLarge = parserError.type === "entity.too.large";
  const status = isTooLarge ? 413 : (parserError.status ?? 400);
  const message = isTooLarge
    ? `request body exceeds the limit of ${parserError.limit} bytes`
    : `request body is not valid JSON (${parserError.type})`;
  const code = isTooLarge ? "BAD_USER_INPUT" : "BAD_REQUEST";
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/** SQLSTATE classes and codes that mean "the server went away", not "the statement is wrong". */
const CONNECTION_SQLSTATES = /^(08\d{3}|57P0[123])$/;
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "P1001",
  "P1002",
  "P1017",
]);
const CONNECTION_MESSAGES =
  /ECONNREFUSED|ECONNRESET|Connection terminated|connection error|Can't reach database|terminating connection|the database system is (starting up|shutting down)|Server has closed the connection/i;

/** Whether `error` (or an error it wraps) says the database could not be reached. */
export function isDatabaseUnreachable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const candidate = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof candidate.code === "string") {
      if (CONNECTION_CODES.has(candidate.code) || CONNECTION_SQLSTATES.test(candidate.code)) return true;
    }
    if (typeof candidate.message === "string" && CONNECTION_MESSAGES.test(candidate.message)) return true;
    current = candidate.cause;
  }
  return false;
}

/** Longest a worker keeps retrying one database step through an outage before giving up. */
export const DATABASE_RETRY_BUDGET_MS = 120_000;

/**
 * Runs `work`, retrying with backoff (250 ms doubling to 4 s) while it fails because the database
 * cannot be reached, for at most `budgetMs`; any other error, or the last one, is thrown. An epoch
 * commit or a run's final status must survive a PostgreSQL restart, not fail the run.
 */
export async function retryWhileUnreachable<T>(
  work: () => Promise<T>,
  options: { budgetMs?: number; onRetry?: (error: unknown, attempt: number) => void } = {},
): Promise<T> {
  const deadline = Date.now() + (options.budgetMs ?? DATABASE_RETRY_BUDGET_MS);
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const delayMs = Math.min(4_000, 250 * 2 ** (attempt - 1));
      if (!isDatabaseUnreachable(error) || Date.now() + delayMs > deadline) throw error;
      options.onRetry?.(error, attempt);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}

import { ValidationError } from "../errors";

/** Largest page a list query may ask for. */
export const MAX_PAGE_SIZE = 100;
/** Page size when `first` is omitted. */
export const DEFAULT_PAGE_SIZE = 20;

/** A request for one page of a keyset-paginated list. */
export interface PageRequest {
  first?: number | null;
  after?: string | null;
}

/** One page of rows plus what a Relay connection needs to continue. */
export interface Page<T> {
  nodes: T[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

/** The sort key a cursor points at: the value of the sort column (or null) and the row id. */
export interface CursorPosition {
  value: string | number | null;
  id: string;
}

/** Validates `first` (0..100, default 20). */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw new ValidationError(`first must be an integer between 0 and ${MAX_PAGE_SIZE}, got ${first}`, {
      field: "first",
    });
  }
  return first;
}

/** Opaque cursor: base64url of the sort key, tagged with the ordering it belongs to. */
export function encodeCursor(ordering: string, position: CursorPosition): string {
  return Buffer.from(JSON.stringify([ordering, position.value, position.id])).toString("base64url");
}

/** Decodes a cursor made by `encodeCursor` for the same ordering; anything else is BAD_USER_INPUT. */
export function decodeCursor(ordering: string, cursor: string): CursorPosition {
  const invalid = () =>
    new ValidationError("after is not a cursor returned by this list (or its ordering changed)", {
      field: "after",
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || parsed[0] !== ordering) throw invalid();
  const [, value, id] = parsed as [unknown, unknown, unknown];
  const isValue = value === null || typeof value === "string" || typeof value === "number";
  if (!isValue || typeof id !== "string") throw invalid();
  return { value: value as CursorPosition["value"], id };
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only tells that a next page exists.
 * `positionOf` gives each row's sort key for its cursor.
 */
export function toPage<T>(
  rows: T[],
  limit: number,
  ordering: string,
  positionOf: (row: T) => CursorPosition,
  isAfterCursor: boolean,
): Page<T> {
  const nodes = rows.slice(0, limit);
  return {
    nodes,
    cursors: nodes.map((row) => encodeCursor(ordering, positionOf(row))),
    hasNextPage: rows.length > limit,
    hasPreviousPage: isAfterCursor,
  };
}

import { ValidationError } from "../errors";
import { Prisma } from "../generated/prisma/client";
import { RUN_ORDERS, type RunOrder, type RunSortField } from "../vocabulary";
import { runFieldSortedBy, type RunField } from "./runFields";
import type { CursorPosition } from "./pagination";

/**
 * Keyset ordering of runs by any sortable field: `(value, id)` in one direction, runs without a
 * value after all others (in both directions), ties by id. A cursor holds the last row's value and
 * id; the next page is what comes strictly after it, so pages never repeat or skip a run while runs
 * are added.
 */

export interface RunOrdering {
  order: RunOrder;
  field: RunField;
  isDescending: boolean;
  /** The SQL value runs are sorted by. */
  sortExpression: Prisma.Sql;
  /** How a cursor's value is typed in SQL. */
  valueType: "timestamptz" | "double precision" | "bigint" | "text";
  /** Tag of the cursors of this ordering (a cursor of another ordering is refused). */
  cursorTag: string;
}

function valueTypeOf(field: RunField): RunOrdering["valueType"] {
  switch (field.kind) {
    case "time":
      return "timestamptz";
    case "number":
      return "double precision";
    case "integer":
    case "boolean":
      return "bigint";
    default:
      return "text";
  }
}

/** The ordering named by `order`. */
export function runOrdering(order: RunOrder): RunOrdering {
  if (!RUN_ORDERS.includes(order)) {
    throw new ValidationError(`orderBy must be one of ${RUN_ORDERS.join(", ")}`, { field: "orderBy" });
  }
  const isDescending = order.endsWith("_DESC");
  const sortField = order.slice(0, order.lastIndexOf("_")) as RunSortField;
  const field = runFieldSortedBy(sortField);
  return {
    order,
    field,
    isDescending,
    sortExpression: field.sortExpression ?? field.source.expression,
    valueType: valueTypeOf(field),
    cursorTag: `runs:${order}`,
  };
}

/** `ORDER BY` of the ordering (the NULLs of either direction last, ties by id). */
export function orderBySql(ordering: RunOrdering): Prisma.Sql {
  const direction = Prisma.raw(ordering.isDescending ? "DESC" : "ASC");
  return Prisma.sql`ORDER BY ${ordering.sortExpression} ${direction} NULLS LAST, r.id ${direction}`;
}

/**
 * `ORDER BY` for rows that all have a value, in the form a `(column, id)` B-tree index answers in
 * either direction (no NULLS clause: `DESC NULLS LAST` would defeat a backward index scan).
 */
export function orderByValueSql(ordering: RunOrdering): Prisma.Sql {
  const direction = Prisma.raw(ordering.isDescending ? "DESC" : "ASC");
  return Prisma.sql`ORDER BY ${ordering.sortExpression} ${direction}, r.id ${direction}`;
}

/** `ORDER BY` of rows without a value: by id alone. */
export function orderByIdSql(ordering: RunOrdering): Prisma.Sql {
  return Prisma.sql`ORDER BY r.id ${Prisma.raw(ordering.isDescending ? "DESC" : "ASC")}`;
}

/** Checks that a decoded cursor's value fits the ordering (a forged cursor is BAD_USER_INPUT). */
function cursorValue(ordering: RunOrdering, position: CursorPosition): string | number | null {
  const { value } = position;
  const invalid = () =>
    new ValidationError("after is not a cursor returned by this list (or its ordering changed)", {
      field: "after",
    });
  if (!/^[0-9a-f-]{36}$/i.test(position.id)) throw invalid();
  if (value === null) return null;
  if (ordering.valueType === "timestamptz") {
    if (typeof value !== "string" || Number.isNaN(Date.parse(value))) throw invalid();
  } else if (ordering.valueType === "text") {
    if (typeof value !== "string") throw invalid();
  } else if (typeof value !== "number" || !Number.isFinite(value)) {
    throw invalid();
  } else if (ordering.valueType === "bigint" && !Number.isSafeInteger(value)) {
    throw invalid();
  }
  return value;
}

/** A cursor's position split the way pages are read: rows with a value first, then rows without. */
export interface CursorCondition {
  /** The cursor points at a run without a value: only such runs, and only beyond its id, follow. */
  isInNullSegment: boolean;
  /** Runs with a value strictly after the cursor (FALSE once in the null segment). */
  afterValue: Prisma.Sql;
  /** Runs without a value after the cursor (all of them while the cursor has a value). */
  afterNull: Prisma.Sql;
}

/** What comes strictly after `position`, for each segment of the ordering. */
export function cursorCondition(ordering: RunOrdering, position: CursorPosition): CursorCondition {
  const value = cursorValue(ordering, position);
  const id = Prisma.sql`CAST(${position.id} AS uuid)`;
  const beyond = Prisma.raw(ordering.isDescending ? "<" : ">");
  if (value === null) {
    return {
      isInNullSegment: true,
      afterValue: Prisma.sql`FALSE`,
      afterNull: Prisma.sql`r.id ${beyond} ${id}`,
    };
  }
  const typed = Prisma.sql`CAST(${value} AS ${Prisma.raw(ordering.valueType)})`;
  // A row comparison, which a (column, id) index answers directly.
  const afterValue = Prisma.sql`(${ordering.sortExpression}, r.id) ${beyond} (${typed}, ${id})`;
  return { isInNullSegment: false, afterValue, afterNull: Prisma.sql`TRUE` };
}

/** Runs strictly after `position` in the ordering, as one condition. */
export function afterCursorSql(ordering: RunOrdering, position: CursorPosition): Prisma.Sql {
  const { isInNullSegment, afterValue, afterNull } = cursorCondition(ordering, position);
  const expression = ordering.sortExpression;
  if (isInNullSegment) return Prisma.sql`(${expression} IS NULL AND ${afterNull})`;
  return ordering.field.isNullable ? Prisma.sql`(${afterValue} OR ${expression} IS NULL)` : afterValue;
}

/** The value a run's cursor records: the sort value as SQL returned it, JSON-safe. */
export function cursorValueOf(sortValue: unknown): string | number | null {
  if (sortValue === null || sortValue === undefined) return null;
  if (sortValue instanceof Date) return sortValue.toISOString();
  if (typeof sortValue === "bigint") return Number(sortValue);
  if (typeof sortValue === "number" || typeof sortValue === "string") return sortValue;
  return String(sortValue);
}

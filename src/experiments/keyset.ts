import type { CursorPosition } from "./pagination";

/** Sort direction of a keyset ordering; ties are always broken by id in the same direction. */
export type SortDirection = "asc" | "desc";

/** A Prisma `where` fragment; the same shape fits every model that has the column and `id`. */
export type KeysetWhere = Record<string, unknown>;

/**
 * Rows strictly after `position` in the order (`column` direction, id direction), for a
 * non-null timestamp column such as `createdAt`.
 */
export function afterTimestamp(
  column: string,
  direction: SortDirection,
  position: CursorPosition,
): KeysetWhere {
  const op = direction === "desc" ? "lt" : "gt";
  const at = new Date(String(position.value));
  return { OR: [{ [column]: { [op]: at } }, { [column]: at, id: { [op]: position.id } }] };
}

/**
 * Rows strictly after `position` in the order (`column` desc nulls last, id desc), for a nullable
 * numeric column such as `bestValMacroF1`.
 */
export function afterNullableNumberDesc(column: string, position: CursorPosition): KeysetWhere {
  if (position.value === null) return { [column]: null, id: { lt: position.id } };
  const value = Number(position.value);
  return {
    OR: [{ [column]: { lt: value } }, { [column]: value, id: { lt: position.id } }, { [column]: null }],
  };
}

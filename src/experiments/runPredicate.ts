/**
 * The run filter as data: what `runs(query:)` parses a string into and what `runs(filter:)`'s
 * structured input becomes. One tree, so both speak exactly one language and compile to the same
 * SQL (`runPredicateSql.ts`). Values are already checked against their field (`runFields.ts`).
 */

/** Positive comparisons; `!=`, `!~` and `not in` are the negation of `=`, `~` and `in`. */
export type ComparisonOperator = "=" | "<" | "<=" | ">" | ">=" | "~" | "in";

/** A literal as a field accepts it: text (also ids, enum members, ISO times), numbers, booleans. */
export type FieldValue = string | number | boolean | Date;

/**
 * A condition on runs. Comparisons are two-valued: a run without a value (a run with no best epoch,
 * a running run's `finishedAt`) fails `=`, `<`, `~`, `in` … and so passes their negations — `a != v`
 * is exactly `not (a = v)`. `isNull` tests for the missing value itself.
 */
export type RunPredicate =
  | { kind: "all" }
  | { kind: "and"; operands: RunPredicate[] }
  | { kind: "or"; operands: RunPredicate[] }
  | { kind: "not"; operand: RunPredicate }
  | { kind: "isNull"; field: string }
  | { kind: "compare"; field: string; operator: Exclude<ComparisonOperator, "in">; value: FieldValue }
  | { kind: "in"; field: string; values: FieldValue[] };

/** Every run. */
export const ALL_RUNS: RunPredicate = { kind: "all" };

/** Conjunction, flattening nested `and`s and dropping `all`. */
export function allOf(operands: RunPredicate[]): RunPredicate {
  const flat = operands.flatMap((p) => (p.kind === "and" ? p.operands : p.kind === "all" ? [] : [p]));
  return flat.length === 0 ? ALL_RUNS : flat.length === 1 ? flat[0] : { kind: "and", operands: flat };
}

/** Disjunction, flattening nested `or`s; `all` among the operands makes the whole `all`. */
export function anyOf(operands: RunPredicate[]): RunPredicate {
  if (operands.some((p) => p.kind === "all")) return ALL_RUNS;
  const flat = operands.flatMap((p) => (p.kind === "or" ? p.operands : [p]));
  return flat.length === 1 ? flat[0] : { kind: "or", operands: flat };
}

/** Negation (a double negation cancels out). */
export function not(operand: RunPredicate): RunPredicate {
  return operand.kind === "not" ? operand.operand : { kind: "not", operand };
}

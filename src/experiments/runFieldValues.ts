import type { OperatorSpelling } from "./runQueryLexer";
import type { FieldKind, RunField } from "./runFields";
import type { FieldValue } from "./runPredicate";
import { isId } from "./ids";

/**
 * Which operators and literals each kind of field accepts, and how a literal becomes the field's
 * value. Pure; shared by the query parser (which adds positions to the complaints) and tests.
 */

/** Every operator of the language: the comparison spellings plus `in` and `not in`. */
export type QueryOperator = OperatorSpelling | "in" | "not in";

const EQUALITY: readonly QueryOperator[] = ["=", "!=", "in", "not in"];
const ORDERED: readonly QueryOperator[] = ["=", "!=", "<", "<=", ">", ">=", "in", "not in"];
const TEXT: readonly QueryOperator[] = ["=", "!=", "~", "!~", "in", "not in"];

const OPERATORS: Record<FieldKind, readonly QueryOperator[]> = {
  id: EQUALITY,
  enum: EQUALITY,
  boolean: EQUALITY,
  trainableLayers: EQUALITY,
  textList: EQUALITY,
  enumList: EQUALITY,
  text: TEXT,
  integer: ORDERED,
  number: ORDERED,
  time: ORDERED,
};

/** The operators a field accepts (`=` on a list field means "includes"). */
export function operatorsOf(field: RunField): readonly QueryOperator[] {
  return OPERATORS[field.kind];
}

/** A literal as the lexer read it. */
export type Literal =
  | { kind: "number"; value: number; text: string }
  | { kind: "string"; value: string }
  /** A bare word: an enum member, `true`/`false`, a UUID, an ISO time, a tag. */
  | { kind: "word"; value: string };

/** What a field expects: its literals where they are few (enum members, true/false), else in words. */
export function expectedValuesOf(field: RunField): string[] {
  if (field.kind === "enum" || field.kind === "enumList") return [...field.members!];
  if (field.kind === "boolean") return ["true", "false"];
  if (field.kind === "trainableLayers") return ["HEAD", "ALL", "an integer"];
  return [expectedValueOf(field)];
}

/** What a field expects, in words. */
export function expectedValueOf(field: RunField): string {
  switch (field.kind) {
    case "id":
      return "an id (UUID)";
    case "text":
    case "textList":
      return "a string";
    case "enum":
    case "enumList":
      return `one of ${field.members!.join(", ")}`;
    case "integer":
      return "an integer";
    case "number":
      return "a number";
    case "boolean":
      return "true or false";
    case "time":
      return 'a date or time (ISO 8601, e.g. 2026-12-01 or "2026-12-01T09:30:00Z")';
    case "trainableLayers":
      return "HEAD, ALL or an integer";
  }
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** A time from an ISO 8601 date or date-time (a date alone, or a time without zone, is UTC). */
export function timeOf(text: string): Date | null {
  if (!ISO_TIME.test(text)) return null;
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/.test(text) && text.length > 10;
  const iso = text.length === 10 ? `${text}T00:00:00Z` : hasZone ? text : `${text}Z`;
  const time = new Date(iso.replace(" ", "T"));
  if (Number.isNaN(time.getTime())) return null;
  // Date() rolls 2026-02-30 over into March; a date that does not exist is not a time.
  return hasZone || time.toISOString().slice(0, 10) === text.slice(0, 10) ? time : null;
}

/** The literal as a value of `field`, or null when the field cannot hold it. */
export function fieldValueOf(field: RunField, literal: Literal): FieldValue | null {
  // PostgreSQL text cannot hold NUL; refused here, so it is an input error and never a SQL one.
  if (literal.kind !== "number" && literal.value.includes("\u0000")) return null;
  const text = literal.kind === "number" ? literal.text : literal.value;
  switch (field.kind) {
    case "id":
      return literal.kind !== "number" && isId(text) ? text.toLowerCase() : null;
    case "text":
    case "textList":
      return literal.kind === "number" ? null : literal.value;
    case "enum":
    case "enumList": {
      const member = field.members!.find((m) => m === text.toUpperCase());
      return literal.kind !== "number" && member ? member : null;
    }
    case "integer":
      return literal.kind === "number" && Number.isSafeInteger(literal.value) ? literal.value : null;
    case "number":
      return literal.kind === "number" && Number.isFinite(literal.value) ? literal.value : null;
    case "boolean":
      if (literal.kind !== "word") return null;
      return text.toLowerCase() === "true" ? true : text.toLowerCase() === "false" ? false : null;
    case "time":
      return literal.kind === "number" ? null : timeOf(literal.value);
    case "trainableLayers": {
      const upper = text.toUpperCase();
      if (literal.kind !== "number") return upper === "HEAD" || upper === "ALL" ? upper : null;
      return Number.isSafeInteger(literal.value) && literal.value > 0 ? String(literal.value) : null;
    }
  }
}

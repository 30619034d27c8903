import { ValidationError } from "../errors";
import { Prisma } from "../generated/prisma/client";
import { isId } from "./ids";
import { runFieldNamed, type RunField } from "./runFields";
import type { FieldValue, RunPredicate } from "./runPredicate";

/**
 * A run predicate as a SQL condition over `runs r`. Every value is a bound parameter; the only text
 * that reaches the SQL verbatim is the catalogue's fragments (`runFields.ts`) and the operators
 * chosen here. Conditions are two-valued (never NULL), so `NOT` is exact negation.
 */

const TRUE = Prisma.sql`TRUE`;
const FALSE = Prisma.sql`FALSE`;

function fieldOf(name: string): RunField {
  const field = runFieldNamed(name);
  if (!field) throw new Error(`unknown run field ${name}`);
  return field;
}

/** A text parameter; NUL, which PostgreSQL text cannot hold, is an input error. */
function text(value: FieldValue): string {
  const string = String(value);
  if (string.includes("\u0000")) {
    throw new ValidationError("filter: text may not contain NUL characters", { field: "filter" });
  }
  return string;
}

/** `value` as a typed parameter of the field's kind. */
function parameter(field: RunField, value: FieldValue): Prisma.Sql {
  switch (field.kind) {
    case "id":
      return Prisma.sql`CAST(${String(value)} AS uuid)`;
    case "enum":
      return field.enumType
        ? Prisma.sql`CAST(${String(value)} AS ${Prisma.raw(`"${field.enumType}"`)})`
        : Prisma.sql`CAST(${String(value)} AS text)`;
    case "integer":
      return Prisma.sql`CAST(${Number(value)} AS bigint)`;
    case "number":
      return Prisma.sql`CAST(${Number(value)} AS double precision)`;
    case "boolean":
      return Prisma.sql`CAST(${Boolean(value)} AS boolean)`;
    case "time":
      return Prisma.sql`CAST(${(value as Date).toISOString()} AS timestamptz)`;
    case "text":
    case "trainableLayers":
    case "textList":
    case "enumList":
      return Prisma.sql`CAST(${text(value)} AS text)`;
  }
}

/** `LIKE` pattern matching `text` anywhere, with its own `%`, `_` and `\` taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Whether a value of an id field can match at all (a malformed id matches no run). */
function isPossible(field: RunField, value: FieldValue): boolean {
  return field.kind !== "id" || isId(String(value));
}

function includes(field: RunField, expression: Prisma.Sql, value: FieldValue): Prisma.Sql {
  return field.listStorage === "jsonbArray"
    ? Prisma.sql`${expression} @> jsonb_build_array(${parameter(field, value)})`
    : Prisma.sql`${expression} @> ARRAY[${parameter(field, value)}]`;
}

/** Lists may be NULL in old rows (read as empty): guarded, so the condition stays two-valued. */
function listCondition(expression: Prisma.Sql, sql: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`(${expression} IS NOT NULL AND (${sql}))`;
}

/** The condition on the field's own expression (before lifting it to the run). */
function condition(field: RunField, expression: Prisma.Sql, predicate: RunPredicate): Prisma.Sql {
  const isList = field.kind === "textList" || field.kind === "enumList";
  const guard = (sql: Prisma.Sql) =>
    field.isNullable ? Prisma.sql`(${expression} IS NOT NULL AND ${sql})` : Prisma.sql`(${sql})`;
  switch (predicate.kind) {
    case "isNull":
      if (!isList) return Prisma.sql`(${expression} IS NULL)`;
      return field.listStorage === "jsonbArray"
        ? Prisma.sql`(COALESCE(jsonb_array_length(${expression}), 0) = 0)`
        : Prisma.sql`(COALESCE(cardinality(${expression}), 0) = 0)`;
    case "in": {
      const values = predicate.values.filter((v) => isPossible(field, v));
      if (values.length === 0) return FALSE;
      if (isList) {
        return listCondition(
          expression,
          Prisma.join(
            values.map((v) => includes(field, expression, v)),
            " OR ",
          ),
        );
      }
      return guard(Prisma.sql`${expression} IN (${Prisma.join(values.map((v) => parameter(field, v)))})`);
    }
    case "compare": {
      const { operator, value } = predicate;
      if (!isPossible(field, value)) return FALSE;
      if (isList) return listCondition(expression, includes(field, expression, value));
      if (operator === "~") {
        return guard(Prisma.sql`${expression} ILIKE ${containsPattern(text(value))} ESCAPE '\\'`);
      }
      return guard(Prisma.sql`${expression} ${Prisma.raw(operator)} ${parameter(field, value)}`);
    }
    default:
      throw new Error(`not a field condition: ${predicate.kind}`);
  }
}

/** A field condition as a condition on the run: through its experiment or dataset when it lives there. */
function fieldCondition(predicate: RunPredicate & { field: string }): Prisma.Sql {
  const field = fieldOf(predicate.field);
  const { source } = field;
  const inner = condition(field, source.expression, predicate);
  if (source.kind === "run") return inner;
  const datasetJoin =
    source.kind === "dataset" ? Prisma.sql` JOIN datasets d ON d.id = e.dataset_id` : Prisma.empty;
  return Prisma.sql`r.experiment_id IN (SELECT e.id FROM experiments e${datasetJoin} WHERE ${inner})`;
}

/** The predicate as a SQL condition over `runs r`. */
export function runPredicateSql(predicate: RunPredicate): Prisma.Sql {
  switch (predicate.kind) {
    case "all":
      return TRUE;
    case "and":
      return predicate.operands.length === 0
        ? TRUE
        : Prisma.sql`(${Prisma.join(predicate.operands.map(runPredicateSql), " AND ")})`;
    case "or":
      return predicate.operands.length === 0
        ? FALSE
        : Prisma.sql`(${Prisma.join(predicate.operands.map(runPredicateSql), " OR ")})`;
    case "not":
      return Prisma.sql`(NOT ${runPredicateSql(predicate.operand)})`;
    default:
      return fieldCondition(predicate);
  }
}

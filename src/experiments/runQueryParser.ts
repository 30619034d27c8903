import { ValidationError } from "../errors";
import {
  expectedValueOf,
  expectedValuesOf,
  fieldValueOf,
  operatorsOf,
  type Literal,
  type QueryOperator,
} from "./runFieldValues";
import { RUN_FIELD_NAMES, runFieldNamed, type RunField } from "./runFields";
import { tokenize, type Token } from "./runQueryLexer";
import { ALL_RUNS, allOf, anyOf, not, type FieldValue, type RunPredicate } from "./runPredicate";

/**
 * The run query language (`runs(query:)`), a recursive-descent parser:
 *
 *     query      = [ or ] end
 *     or         = and { "or" and }
 *     and        = unary { "and" unary }
 *     unary      = "not" unary | "(" or ")" | comparison
 *     comparison = field ( operator value | [ "not" ] "in" "(" value { "," value } ")" )
 *     operator   = "=" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "!~"
 *
 * `not` binds tighter than `and`, `and` tighter than `or`; keywords are case-insensitive. Values are
 * numbers, quoted strings ("…" or '…', backslash escapes), or bare words (enum members, true/false,
 * null, UUIDs, ISO dates, tags). `~` is "contains" (case-insensitive) and `=` on a list field
 * (tag, augmentations) is "includes". Every error is BAD_USER_INPUT with `extensions.position`
 * (1-based column), `expected` (what would have been valid there) and `found`.
 */

/** Longest query accepted, in characters. */
export const MAX_QUERY_LENGTH = 10_000;
/** Deepest nesting of parentheses and `not`. */
export const MAX_QUERY_DEPTH = 32;
/** Most values in one `in (…)` list. */
export const MAX_IN_VALUES = 1_000;

const KEYWORDS = new Set(["and", "or", "not", "in"]);

function describe(token: Token): string {
  switch (token.type) {
    case "end":
      return "the end of the query";
    case "invalid":
      return token.reason;
    case "string":
      return `the string ${token.text}`;
    default:
      return JSON.stringify(token.text);
  }
}

/** `a`, `a or b`, `one of a, b, c`; symbols in quotes. */
function humanList(items: readonly string[]): string {
  const shown = items.map((item) => (/^[a-z(]/i.test(item) && item !== "(" ? item : JSON.stringify(item)));
  return shown.length === 1
    ? shown[0]
    : shown.length === 2
      ? shown.join(" or ")
      : `one of ${shown.join(", ")}`;
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.index];
  }

  private advance(): Token {
    const token = this.tokens[this.index];
    if (token.type !== "end") this.index++;
    return token;
  }

  private isKeyword(token: Token, keyword: string): boolean {
    return token.type === "word" && token.text.toLowerCase() === keyword;
  }

  /** BAD_USER_INPUT at `token`: `expected` lists what would have been valid there. */
  private fail(token: Token, expected: readonly string[], problem?: string): never {
    const column = token.offset + 1;
    const found = describe(token);
    const message = `query: ${problem ?? `expected ${humanList(expected)}, found ${found}`} at column ${column}`;
    throw new ValidationError(message, { field: "query", position: column, expected: [...expected], found });
  }

  private nest<T>(token: Token, parse: () => T): T {
    if (++this.depth > MAX_QUERY_DEPTH) {
      this.fail(token, ["a shallower query"], `nested deeper than ${MAX_QUERY_DEPTH} levels`);
    }
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  parseQuery(): RunPredicate {
    if (this.peek().type === "end") return ALL_RUNS;
    const predicate = this.parseOr();
    if (this.peek().type !== "end") this.fail(this.peek(), ["and", "or", "end of query"]);
    return predicate;
  }

  private parseOr(): RunPredicate {
    const operands = [this.parseAnd()];
    while (this.isKeyword(this.peek(), "or")) {
      this.advance();
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? operands[0] : anyOf(operands);
  }

  private parseAnd(): RunPredicate {
    const operands = [this.parseUnary()];
    while (this.isKeyword(this.peek(), "and")) {
      this.advance();
      operands.push(this.parseUnary());
    }
    return operands.length === 1 ? operands[0] : allOf(operands);
  }

  private parseUnary(): RunPredicate {
    const token = this.peek();
    if (this.isKeyword(token, "not")) {
      this.advance();
      return this.nest(token, () => not(this.parseUnary()));
    }
    if (token.type === "(") {
      this.advance();
      const inner = this.nest(token, () => this.parseOr());
      if (this.peek().type !== ")") this.fail(this.peek(), ["and", "or", ")"]);
      this.advance();
      return inner;
    }
    if (token.type === "word" && !KEYWORDS.has(token.text.toLowerCase())) return this.parseComparison();
    return this.fail(token, ["a field", "(", "not"]);
  }

  private parseField(): RunField {
    const token = this.advance();
    const field = runFieldNamed(token.text);
    if (!field) {
      this.fail(
        token,
        RUN_FIELD_NAMES,
        `unknown field ${JSON.stringify(token.text)}; expected a field (${RUN_FIELD_NAMES.join(", ")})`,
      );
    }
    return field;
  }

  private parseOperator(field: RunField): QueryOperator {
    const token = this.peek();
    const allowed = operatorsOf(field);
    let operator: QueryOperator | undefined;
    if (token.type === "operator") operator = token.text;
    else if (this.isKeyword(token, "in")) operator = "in";
    else if (this.isKeyword(token, "not") && this.isKeyword(this.tokens[this.index + 1], "in")) {
      operator = "not in";
    }
    if (!operator) {
      return this.fail(
        token,
        allowed,
        `expected an operator (${allowed.join(", ")}), found ${describe(token)}`,
      );
    }
    if (!allowed.includes(operator)) {
      this.fail(token, allowed, `${field.name} does not take ${operator}; expected ${humanList(allowed)}`);
    }
    this.advance();
    if (operator === "not in") this.advance();
    return operator;
  }

  private parseComparison(): RunPredicate {
    const field = this.parseField();
    const operator = this.parseOperator(field);
    if (operator === "in" || operator === "not in") {
      const values = this.parseList(field);
      const predicate: RunPredicate = { kind: "in", field: field.name, values };
      return operator === "in" ? predicate : not(predicate);
    }
    const value = this.parseValue(field, operator === "=" || operator === "!=");
    let predicate: RunPredicate;
    if (value === null) {
      predicate = { kind: "isNull", field: field.name };
    } else if (operator === "~" || operator === "!~") {
      predicate = { kind: "compare", field: field.name, operator: "~", value };
    } else if (operator === "=" || operator === "!=") {
      predicate = { kind: "compare", field: field.name, operator: "=", value };
    } else {
      predicate = { kind: "compare", field: field.name, operator, value };
    }
    return operator === "!=" || operator === "!~" ? not(predicate) : predicate;
  }

  private parseList(field: RunField): FieldValue[] {
    if (this.peek().type !== "(") this.fail(this.peek(), ["("]);
    this.advance();
    const values: FieldValue[] = [];
    for (;;) {
      const token = this.peek();
      if (values.length === MAX_IN_VALUES) {
        this.fail(token, [")"], `an in (…) list holds at most ${MAX_IN_VALUES} values`);
      }
      const value = this.parseValue(field, false);
      values.push(value!);
      if (this.peek().type === ")") {
        this.advance();
        return values;
      }
      if (this.peek().type !== ",") this.fail(this.peek(), [",", ")"]);
      this.advance();
    }
  }

  /** A value of `field`; null for the word `null` where `allowsNull`. */
  private parseValue(field: RunField, allowsNull: boolean): FieldValue | null {
    const token = this.peek();
    const expected = expectedValuesOf(field);
    let literal: Literal | undefined;
    if (token.type === "number") literal = { kind: "number", value: token.value, text: token.text };
    else if (token.type === "string") literal = { kind: "string", value: token.value };
    else if (token.type === "word" && !KEYWORDS.has(token.text.toLowerCase())) {
      if (token.text.toLowerCase() === "null") {
        if (!allowsNull) this.fail(token, expected);
        this.advance();
        return null;
      }
      literal = { kind: "word", value: token.text };
    }
    if (!literal) return this.fail(token, allowsNull ? [...expected, "null"] : expected);
    const value = fieldValueOf(field, literal);
    if (value === null) {
      this.fail(token, expected, `${field.name} expects ${expectedValueOf(field)}, found ${describe(token)}`);
    }
    this.advance();
    return value;
  }
}

/**
 * Parses a run query into a predicate; an empty query matches every run. Throws BAD_USER_INPUT
 * (`field: "query"`, `position`, `expected`, `found`) on any error; never touches the database.
 */
export function parseRunQuery(text: string): RunPredicate {
  if (text.length > MAX_QUERY_LENGTH) {
    throw new ValidationError(`query: longer than ${MAX_QUERY_LENGTH} characters`, {
      field: "query",
      position: MAX_QUERY_LENGTH + 1,
      expected: ["a shorter query"],
      found: `${text.length} characters`,
    });
  }
  return new Parser(tokenize(text)).parseQuery();
}

/**
 * Tokens of the run query language (`runs(query:)`). The lexer never throws: a character it cannot
 * read becomes an `invalid` token, so the parser reports it together with what it expected there.
 */

/** Comparison operators as written. */
export const OPERATOR_SPELLINGS = ["=", "!=", "<", "<=", ">", ">=", "~", "!~"] as const;
export type OperatorSpelling = (typeof OPERATOR_SPELLINGS)[number];

export type Token =
  /** A field name, keyword, enum member or other bare value (`best.valMacroF1`, `and`, `MOBILENET_V2`, a UUID, an ISO date). */
  | { type: "word"; text: string; offset: number }
  | { type: "number"; text: string; value: number; offset: number }
  | { type: "string"; text: string; value: string; offset: number }
  | { type: "operator"; text: OperatorSpelling; offset: number }
  | { type: "("; text: "("; offset: number }
  | { type: ")"; text: ")"; offset: number }
  | { type: ","; text: ","; offset: number }
  | { type: "invalid"; text: string; reason: string; offset: number }
  | { type: "end"; text: ""; offset: number };

const UUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w.-])/y;
const ISO_TIME =
  /\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})?)?(?![\w.:+-])/y;
const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(?![\w.])/y;
const WORD = /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/y;
const MALFORMED_NUMBER = /-?[\d.][\w.:+-]*/y;
const WHITESPACE = /\s+/y;

function matchAt(pattern: RegExp, text: string, offset: number): string | null {
  pattern.lastIndex = offset;
  const match = pattern.exec(text);
  return match ? match[0] : null;
}

/** Reads a quoted string starting at `offset` (`"…"` or `'…'`, backslash escapes the next character). */
function readString(text: string, offset: number): Token {
  const quote = text[offset];
  let value = "";
  for (let i = offset + 1; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && i + 1 < text.length) {
      value += text[++i];
    } else if (c === quote) {
      return { type: "string", text: text.slice(offset, i + 1), value, offset };
    } else {
      value += c;
    }
  }
  return { type: "invalid", text: text.slice(offset), reason: "an unterminated string", offset };
}

function readOperator(text: string, offset: number): Token | null {
  const two = text.slice(offset, offset + 2);
  if (two === "!=" || two === "<=" || two === ">=" || two === "!~") {
    return { type: "operator", text: two, offset };
  }
  const one = text[offset];
  if (one === "=" || one === "<" || one === ">" || one === "~")
    return { type: "operator", text: one, offset };
  return null;
}

function readToken(text: string, offset: number): Token {
  const c = text[offset];
  if (c === "(" || c === ")" || c === ",") return { type: c, text: c, offset } as Token;
  if (c === '"' || c === "'") return readString(text, offset);
  const operator = readOperator(text, offset);
  if (operator) return operator;
  // A UUID or an ISO date starts like a number: try them first so they need no quotes.
  const bare = matchAt(UUID, text, offset) ?? matchAt(ISO_TIME, text, offset);
  if (bare) return { type: "word", text: bare, offset };
  const number = matchAt(NUMBER, text, offset);
  if (number) return { type: "number", text: number, value: Number(number), offset };
  const word = matchAt(WORD, text, offset);
  if (word) return { type: "word", text: word, offset };
  const malformed = matchAt(MALFORMED_NUMBER, text, offset);
  if (malformed) {
    return {
      type: "invalid",
      text: malformed,
      reason: `${JSON.stringify(malformed)} (not a number)`,
      offset,
    };
  }
  const character = String.fromCodePoint(text.codePointAt(offset)!);
  return { type: "invalid", text: character, reason: `the character ${JSON.stringify(character)}`, offset };
}

/** Every token of `text`, ending with one `end` token. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let offset = 0;
  for (;;) {
    offset += matchAt(WHITESPACE, text, offset)?.length ?? 0;
    if (offset >= text.length) {
      tokens.push({ type: "end", text: "", offset: text.length });
      return tokens;
    }
    const token = readToken(text, offset);
    tokens.push(token);
    if (token.type === "invalid") {
      tokens.push({ type: "end", text: "", offset: text.length });
      return tokens;
    }
    offset += token.text.length;
  }
}

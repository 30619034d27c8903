import { ValidationError } from "../../errors";
import { RUN_FIELD_NAMES } from "../runFields";
import type { RunPredicate } from "../runPredicate";
import { MAX_QUERY_DEPTH, MAX_QUERY_LENGTH, parseRunQuery } from "../runQueryParser";

const eq = (field: string, value: RunPredicate extends never ? never : string | number | boolean | Date) =>
  ({ kind: "compare", field, operator: "=", value }) as RunPredicate;
const not = (operand: RunPredicate): RunPredicate => ({ kind: "not", operand });

/** The error `parseRunQuery` throws for `query`. */
function errorOf(query: string): { message: string; details: Record<string, unknown> } {
  try {
    parseRunQuery(query);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const { message, details } = error as ValidationError;
    return { message, details };
  }
  throw new Error(`${JSON.stringify(query)} parsed`);
}

describe("precedence", () => {
  it("binds and tighter than or", () => {
    expect(parseRunQuery("seed = 1 or seed = 2 and seed = 3")).toEqual({
      kind: "or",
      operands: [eq("seed", 1), { kind: "and", operands: [eq("seed", 2), eq("seed", 3)] }],
    });
  });

  it("binds not tighter than and", () => {
    expect(parseRunQuery("not seed = 1 and seed = 2")).toEqual({
      kind: "and",
      operands: [not(eq("seed", 1)), eq("seed", 2)],
    });
  });

  it("groups with parentheses", () => {
    expect(parseRunQuery("(seed = 1 or seed = 2) and seed = 3")).toEqual({
      kind: "and",
      operands: [{ kind: "or", operands: [eq("seed", 1), eq("seed", 2)] }, eq("seed", 3)],
    });
    expect(parseRunQuery("not (seed = 1 or seed = 2)")).toEqual(
      not({ kind: "or", operands: [eq("seed", 1), eq("seed", 2)] }),
    );
  });

  it("flattens chains and cancels double negation", () => {
    expect(parseRunQuery("seed = 1 and (seed = 2 and seed = 3)")).toEqual({
      kind: "and",
      operands: [eq("seed", 1), eq("seed", 2), eq("seed", 3)],
    });
    expect(parseRunQuery("not not seed = 1")).toEqual(eq("seed", 1));
  });

  it("reads keywords in any case and the issue's example", () => {
    expect(
      parseRunQuery(
        "architecture = MOBILENET_V2 AND (learningRate < 0.01 Or lossWeighting = INVERSE_FREQUENCY) and best.valMacroF1 > 0.5",
      ),
    ).toEqual({
      kind: "and",
      operands: [
        eq("architecture", "MOBILENET_V2"),
        {
          kind: "or",
          operands: [
            { kind: "compare", field: "learningRate", operator: "<", value: 0.01 },
            eq("lossWeighting", "INVERSE_FREQUENCY"),
          ],
        },
        { kind: "compare", field: "best.valMacroF1", operator: ">", value: 0.5 },
      ],
    });
  });

  it("matches every run for an empty or blank query", () => {
    expect(parseRunQuery("")).toEqual({ kind: "all" });
    expect(parseRunQuery("  \n\t ")).toEqual({ kind: "all" });
  });
});

describe("operators", () => {
  it.each<[string, RunPredicate]>([
    ["seed = 3", eq("seed", 3)],
    ["seed != 3", not(eq("seed", 3))],
    ["seed < 3", { kind: "compare", field: "seed", operator: "<", value: 3 }],
    ["seed <= 3", { kind: "compare", field: "seed", operator: "<=", value: 3 }],
    ["seed > 3", { kind: "compare", field: "seed", operator: ">", value: 3 }],
    ["seed >= 3", { kind: "compare", field: "seed", operator: ">=", value: 3 }],
    ["seed in (1, 2,3)", { kind: "in", field: "seed", values: [1, 2, 3] }],
    ["seed not in (1)", not({ kind: "in", field: "seed", values: [1] })],
    ["seed NOT IN (1)", not({ kind: "in", field: "seed", values: [1] })],
    ['note ~ "flip"', { kind: "compare", field: "note", operator: "~", value: "flip" }],
    ['note !~ "flip"', not({ kind: "compare", field: "note", operator: "~", value: "flip" })],
    ["mlBackend = null", { kind: "isNull", field: "mlBackend" }],
    ["mlBackend != NULL", not({ kind: "isNull", field: "mlBackend" })],
    ["seed=3", eq("seed", 3)],
  ])("%s", (query, expected) => {
    expect(parseRunQuery(query)).toEqual(expected);
  });
});

describe("field kinds", () => {
  const uuid = "01a226e8-659a-7653-925d-6decf9b6b7d1";

  it.each<[string, RunPredicate]>([
    [`experiment = ${uuid}`, eq("experiment", uuid)],
    [`experimentId = "${uuid.toUpperCase()}"`, eq("experiment", uuid)],
    ['experiment.name = "cnn vs resnet"', eq("experiment.name", "cnn vs resnet")],
    ["experiment.name = baseline", eq("experiment.name", "baseline")],
    ["architecture = mobilenet_v2", eq("architecture", "MOBILENET_V2")],
    ["hyperparameters.optimizer = ADAM", eq("optimizer", "ADAM")],
    ["status in (QUEUED, 'RUNNING')", { kind: "in", field: "status", values: ["QUEUED", "RUNNING"] }],
    ["imageSize = 96", eq("imageSize", 96)],
    ["dataset.version >= 2", { kind: "compare", field: "dataset.version", operator: ">=", value: 2 }],
    ["learningRate = 1e-3", eq("learningRate", 0.001)],
    ["weightDecay < .5", { kind: "compare", field: "weightDecay", operator: "<", value: 0.5 }],
    ["seed > -1", { kind: "compare", field: "seed", operator: ">", value: -1 }],
    ["pretrained = TRUE", eq("pretrained", true)],
    ["pretrained = false", eq("pretrained", false)],
    [
      "createdAt >= 2026-12-01",
      { kind: "compare", field: "createdAt", operator: ">=", value: new Date("2026-12-01T00:00:00Z") },
    ],
    [
      "finishedAt < 2026-12-01T09:30:00Z",
      { kind: "compare", field: "finishedAt", operator: "<", value: new Date("2026-12-01T09:30:00Z") },
    ],
    [
      'startedAt > "2026-12-01 09:30:00+02:00"',
      { kind: "compare", field: "startedAt", operator: ">", value: new Date("2026-12-01T07:30:00Z") },
    ],
    ["trainableLayers = head", eq("trainableLayers", "HEAD")],
    ["trainableLayers in (ALL, 3)", { kind: "in", field: "trainableLayers", values: ["ALL", "3"] }],
    ["tag = baseline", eq("tag", "baseline")],
    ['tags != "needs review"', not(eq("tag", "needs review"))],
    ["augmentations = horizontal_flip", eq("augmentations", "HORIZONTAL_FLIP")],
    [
      "augmentations not in (RANDOM_CROP, COLOR_JITTER)",
      not({ kind: "in", field: "augmentations", values: ["RANDOM_CROP", "COLOR_JITTER"] }),
    ],
    ["best.epoch = null", { kind: "isNull", field: "best.epoch" }],
    ['text ~ "it\\"s"', { kind: "compare", field: "text", operator: "~", value: 'it"s' }],
    ["note = 'o\\'neil'", eq("note", "o'neil")],
  ])("%s", (query, expected) => {
    expect(parseRunQuery(query)).toEqual(expected);
  });
});

describe("errors", () => {
  it("names the column, what was expected and what was found", () => {
    expect(errorOf("architecture = ")).toEqual({
      message:
        "query: expected one of ALEXNET_LITE, RESNET18_V2, MOBILENET_V2, LOCALIZER, null, found the end of the query at column 16",
      details: {
        field: "query",
        position: 16,
        expected: ["ALEXNET_LITE", "RESNET18_V2", "MOBILENET_V2", "LOCALIZER", "null"],
        found: "the end of the query",
      },
    });
  });

  it("rejects a value the field cannot hold", () => {
    expect(errorOf("imageSize = 96.5")).toEqual({
      message: 'query: imageSize expects an integer, found "96.5" at column 13',
      details: { field: "query", position: 13, expected: ["an integer"], found: '"96.5"' },
    });
    expect(errorOf("architecture = VGG16").details).toMatchObject({ position: 16, found: '"VGG16"' });
    expect(errorOf("createdAt > 2026-02-30").message).toBe(
      'query: createdAt expects a date or time (ISO 8601, e.g. 2026-12-01 or "2026-12-01T09:30:00Z"), found "2026-02-30" at column 13',
    );
    expect(errorOf("experiment = 42").details).toMatchObject({ position: 14, expected: ["an id (UUID)"] });
    expect(errorOf("pretrained = yes").details).toMatchObject({ expected: ["true", "false"] });
    expect(errorOf("seed < null").details).toMatchObject({ position: 8, expected: ["an integer"] });
  });

  it("rejects an operator the field does not take", () => {
    expect(errorOf("learningRate ~ 0.1")).toEqual({
      message:
        'query: learningRate does not take ~; expected one of "=", "!=", "<", "<=", ">", ">=", in, not in at column 14',
      details: {
        field: "query",
        position: 14,
        expected: ["=", "!=", "<", "<=", ">", ">=", "in", "not in"],
        found: '"~"',
      },
    });
    expect(errorOf("architecture > ALEXNET_LITE").details).toMatchObject({ position: 14 });
  });

  it("rejects an unknown field with the fields it knows", () => {
    expect(errorOf("accuracy > 0.5")).toEqual({
      message: `query: unknown field "accuracy"; expected a field (${RUN_FIELD_NAMES.join(", ")}) at column 1`,
      details: { field: "query", position: 1, expected: RUN_FIELD_NAMES, found: '"accuracy"' },
    });
    expect(errorOf("seed = 1 and best.f1 > 0.5").details).toMatchObject({ position: 14, found: '"best.f1"' });
  });

  it.each<[string, number, string[], string]>([
    ["seed", 5, ["=", "!=", "<", "<=", ">", ">=", "in", "not in"], "the end of the query"],
    ["seed 1", 6, ["=", "!=", "<", "<=", ">", ">=", "in", "not in"], '"1"'],
    ["(seed = 1", 10, ["and", "or", ")"], "the end of the query"],
    ["seed = 1)", 9, ["and", "or", "end of query"], '")"'],
    ["seed = 1 seed = 2", 10, ["and", "or", "end of query"], '"seed"'],
    ["and seed = 1", 1, ["a field", "(", "not"], '"and"'],
    ["seed = 1 and", 13, ["a field", "(", "not"], "the end of the query"],
    ["seed = 1 or or seed = 2", 13, ["a field", "(", "not"], '"or"'],
    ["()", 2, ["a field", "(", "not"], '")"'],
    ["seed in 1", 9, ["("], '"1"'],
    ["seed in ()", 10, ["an integer"], '")"'],
    ["seed in (1 2)", 12, [",", ")"], '"2"'],
    ["seed in (1,", 12, ["an integer"], "the end of the query"],
    ["seed = 1 # comment", 10, ["and", "or", "end of query"], 'the character "#"'],
    ['note = "unterminated', 8, ["a string", "null"], "an unterminated string"],
    ["seed = 12abc", 8, ["an integer", "null"], '"12abc" (not a number)'],
    ["seed = @", 8, ["an integer", "null"], 'the character "@"'],
  ])("%s → column %d", (query, position, expected, found) => {
    expect(errorOf(query).details).toEqual({ field: "query", position, expected, found });
  });

  it("bounds the nesting and the length of a query", () => {
    const deep = `${"(".repeat(MAX_QUERY_DEPTH + 1)}seed = 1${")".repeat(MAX_QUERY_DEPTH + 1)}`;
    expect(errorOf(deep)).toMatchObject({
      message: `query: nested deeper than ${MAX_QUERY_DEPTH} levels at column ${MAX_QUERY_DEPTH + 1}`,
      details: { position: MAX_QUERY_DEPTH + 1 },
    });
    expect(parseRunQuery(`${"(".repeat(MAX_QUERY_DEPTH)}seed = 1${")".repeat(MAX_QUERY_DEPTH)}`)).toEqual(
      eq("seed", 1),
    );
    expect(errorOf("not ".repeat(MAX_QUERY_DEPTH + 1) + "seed = 1").details).toMatchObject({
      position: MAX_QUERY_DEPTH * 4 + 1,
    });
    expect(errorOf(`seed = 1${" ".repeat(MAX_QUERY_LENGTH)}`)).toMatchObject({
      message: `query: longer than ${MAX_QUERY_LENGTH} characters`,
      details: { position: MAX_QUERY_LENGTH + 1 },
    });
  });

  it("never turns hostile text into anything but a value", () => {
    expect(parseRunQuery(`note = "'; DROP TABLE runs; --"`)).toEqual(eq("note", "'; DROP TABLE runs; --"));
    expect(errorOf("seed = 1; DROP TABLE runs").details).toMatchObject({
      position: 9,
      found: 'the character ";"',
    });
    expect(errorOf("seed = 1 -- comment").details).toMatchObject({ position: 10 });
    expect(errorOf("r.id = 1").details).toMatchObject({ position: 1, found: '"r.id"' });
  });
});

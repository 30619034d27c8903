import { withDefaults, type Hyperparameters } from "../../src/ml/hyperparameters";
import { RUN_ORDERS, type RunOrder, type RunStatus } from "../../src/vocabulary";
import { bestEpochOf, generatedEpochs, seededRandom, seedRuns, type SeedRun } from "../support/registrySeed";
import { startTestServer, type TestServer } from "../support/testServer";

/**
 * `runs(query:)` and `runs(filter:)` against a brute force written here: 60 generated runs over
 * three experiments on three dataset versions, every field kind, ties in sort values; a few hundred
 * generated predicates rendered both as query strings and as structured filters, each compared with
 * this file's own evaluation of the predicate; every RunOrder walked page by page.
 */

type Value = string | number | boolean | null | string[];
type Model = Record<string, Value> & { id: string; createdAt: number };

let server: TestServer;
const models: Model[] = [];

const LABELS = ["adidas", "apple", "no-logo"];

beforeAll(async () => {
  server = await startTestServer();
  const { registry } = server;
  const prisma = server.db.database.prisma;
  const random = seededRandom(15);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const classCounts = {
    train: { adidas: 4, apple: 3, "no-logo": 20 },
    val: { adidas: 6, apple: 6, "no-logo": 6 },
    test: { adidas: 2, apple: 2, "no-logo": 8 },
  };
  const register = (name: string) =>
    registry.datasets.register({
      name,
      format: "IMAGE_FOLDER",
      status: "READY",
      rootPath: `/tmp/${name}`,
      classes: LABELS,
      summary: { classCounts },
    });
  const alpha1 = await register("alpha");
  const alpha2 = await register("alpha");
  const beta = await register("beta");
  const experiments = [
    await registry.experiments.create({
      name: "cnn-vs-resnet",
      datasetId: alpha1.id,
      tags: ["article", "cnn"],
    }),
    await registry.experiments.create({ name: "Loss Weighting", datasetId: alpha2.id, tags: ["weighting"] }),
    await registry.experiments.create({
      name: "beta baseline",
      datasetId: beta.id,
      description: "first look",
    }),
  ];
  await registry.annotations.setExperimentNote(experiments[1].id, "Inverse frequency helps small brands");
  const datasets = [alpha1, alpha2, beta];
  const experimentRows = await prisma.experiment.findMany();
  const sweep = await prisma.sweep.create({
    data: {
      experimentId: experiments[0].id,
      strategy: "GRID",
      space: {},
      baseHyperparameters: {},
      maxRuns: 4,
      seed: 0,
    },
  });

  const statuses: RunStatus[] = [
    "SUCCEEDED",
    "SUCCEEDED",
    "SUCCEEDED",
    "FAILED",
    "CANCELLED",
    "RUNNING",
    "QUEUED",
  ];
  const seeds: SeedRun[] = [];
  const start = Date.UTC(2026, 10, 1);
  for (let i = 0; i < 60; i++) {
    const experimentIndex = i % 3;
    const architecture = pick(["ALEXNET_LITE", "RESNET18_V2", "MOBILENET_V2"] as const);
    const lossWeighting = pick(["NONE", "INVERSE_FREQUENCY", "EFFECTIVE_NUMBER", "CUSTOM"] as const);
    const hyperparameters: Hyperparameters = withDefaults({
      architecture,
      pretrained: architecture === "MOBILENET_V2" || (architecture === "RESNET18_V2" && random() < 0.5),
      trainableLayers: architecture === "MOBILENET_V2" ? "HEAD" : pick(["ALL", 3] as const),
      imageSize: pick([96, 128, 160]),
      batchSize: pick([16, 32, 40]),
      epochs: pick([5, 10, 20]),
      optimizer: pick(["SGD", "MOMENTUM", "ADAM"] as const),
      learningRate: pick([0.1, 0.01, 0.003, 0.001, 0.0001]),
      weightDecay: pick([0, 0.0005, 0.001]),
      augmentations: pick([
        [],
        ["HORIZONTAL_FLIP"],
        ["HORIZONTAL_FLIP", "RANDOM_CROP"],
        ["COLOR_JITTER", "RANDOM_RESIZED_CROP"],
      ] as const).slice(),
      lossWeighting,
      ...(lossWeighting === "EFFECTIVE_NUMBER" ? { effectiveNumberBeta: pick([0.99, 0.999]) } : {}),
      ...(lossWeighting === "CUSTOM" ? { classWeights: [1, 2, 0.5] } : {}),
      seed: 1000 + i,
    });
    const status = statuses[i % statuses.length];
    // Pairs of runs share their epochs (ties in every best metric) or their creation time.
    const epochs =
      status === "QUEUED"
        ? []
        : i % 10 === 1
          ? seeds[i - 1].epochs
          : generatedEpochs(random, LABELS, 1 + Math.floor(random() * 6));
    const createdAt = new Date(start + (i % 7 === 3 ? i - 1 : i) * 3_600_000);
    const hasStarted = status !== "QUEUED";
    const isFinished = hasStarted && status !== "RUNNING";
    seeds.push({
      experimentId: experiments[experimentIndex].id,
      hyperparameters,
      status,
      mlBackend: hasStarted ? pick(["wasm", "tensorflow", "tensorflow-gpu"]) : null,
      error: status === "FAILED" ? pick(["out of memory", "wasm abort"]) : null,
      tags: pick([[], ["baseline"], ["baseline", "promising"], ["needs review"], ["Promising"]]).slice(),
      note: pick(["", "", "Flip helps", "50% off the loss", "lr_warmup tried", 'quote " inside']),
      sweepId: i < 4 ? sweep.id : null,
      createdAt,
      startedAt: hasStarted ? new Date(createdAt.getTime() + 60_000 * (1 + (i % 4))) : null,
      finishedAt: isFinished ? new Date(createdAt.getTime() + 600_000 * (1 + (i % 5))) : null,
      epochs,
    });
  }
  const ids = await seedRuns(prisma, seeds);
  seeds.forEach((seed, i) => {
    const experiment = experimentRows.find((e) => e.id === seed.experimentId)!;
    const dataset = datasets.find((d) => d.id === experiment.datasetId)!;
    const h = seed.hyperparameters;
    const best = bestEpochOf(seed.epochs);
    models.push({
      id: ids[i],
      experiment: experiment.id,
      "experiment.name": experiment.name,
      "experiment.tag": experiment.tags,
      "experiment.note": experiment.note,
      dataset: dataset.id,
      "dataset.name": dataset.name,
      "dataset.version": dataset.version,
      status: seed.status,
      tag: seed.tags ?? [],
      note: seed.note ?? "",
      // As SQL concatenates it: note, tags, then the experiment's name, description, note and tags.
      text: `${seed.note} ${(seed.tags ?? []).join(" ")} ${experiment.name} ${experiment.description} ${experiment.note} ${experiment.tags.join(" ")}`,
      mlBackend: seed.mlBackend ?? null,
      sweep: seed.sweepId ?? null,
      error: seed.error ?? null,
      architecture: h.architecture,
      pretrained: h.pretrained,
      trainableLayers: String(h.trainableLayers),
      imageSize: h.imageSize,
      batchSize: h.batchSize,
      epochs: h.epochs,
      optimizer: h.optimizer,
      learningRate: h.learningRate,
      weightDecay: h.weightDecay,
      augmentations: [...h.augmentations],
      lossWeighting: h.lossWeighting,
      effectiveNumberBeta: h.effectiveNumberBeta ?? null,
      seed: h.seed,
      "best.epoch": best?.epoch ?? null,
      "best.valMacroF1": best?.valMacroF1 ?? null,
      "best.valAccuracy": best?.valAccuracy ?? null,
      "best.loss": best?.loss ?? null,
      "best.trainAccuracy": best?.trainAccuracy ?? null,
      "best.testAccuracy": best?.testAccuracy ?? null,
      createdAt: seed.createdAt.getTime(),
      startedAt: seed.startedAt?.getTime() ?? null,
      finishedAt: seed.finishedAt?.getTime() ?? null,
    });
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

// ---------------------------------------------------------------------------------------------
// The test's own predicates, their rendering as query text and as a RunFilter, and brute force.

type Kind = "id" | "text" | "search" | "enum" | "number" | "boolean" | "time" | "layers" | "list";
type Cmp = "=" | "!=" | "<" | "<=" | ">" | ">=" | "~" | "!~";
type Pred =
  | { op: "and" | "or"; items: Pred[] }
  | { op: "not"; item: Pred }
  | { op: "cmp"; field: string; cmp: Cmp; value: Value }
  | { op: "in"; field: string; values: Value[]; isNegated: boolean }
  | { op: "null"; field: string; isNegated: boolean };

const FIELDS: Record<string, Kind> = {
  experiment: "id",
  "experiment.name": "text",
  "experiment.tag": "list",
  "experiment.note": "text",
  dataset: "id",
  "dataset.name": "text",
  "dataset.version": "number",
  status: "enum",
  tag: "list",
  note: "text",
  text: "search",
  mlBackend: "text",
  sweep: "id",
  error: "text",
  architecture: "enum",
  pretrained: "boolean",
  trainableLayers: "layers",
  imageSize: "number",
  batchSize: "number",
  epochs: "number",
  optimizer: "enum",
  learningRate: "number",
  weightDecay: "number",
  augmentations: "list",
  lossWeighting: "enum",
  effectiveNumberBeta: "number",
  seed: "number",
  "best.epoch": "number",
  "best.valMacroF1": "number",
  "best.valAccuracy": "number",
  "best.loss": "number",
  "best.trainAccuracy": "number",
  "best.testAccuracy": "number",
  createdAt: "time",
  startedAt: "time",
  finishedAt: "time",
};

const isTimeField = (field: string) => FIELDS[field] === "time";

/** Brute force: the documented semantics, independently of the product's code. */
function holds(p: Pred, m: Model): boolean {
  switch (p.op) {
    case "and":
      return p.items.every((item) => holds(item, m));
    case "or":
      return p.items.some((item) => holds(item, m));
    case "not":
      return !holds(p.item, m);
    case "null": {
      const v = m[p.field];
      const isEmpty = v === null || (Array.isArray(v) && v.length === 0);
      return p.isNegated ? !isEmpty : isEmpty;
    }
    case "in": {
      const v = m[p.field];
      const any = p.values.some((value) =>
        Array.isArray(v) ? v.includes(value as string) : v !== null && v === value,
      );
      return p.isNegated ? !any : any;
    }
    case "cmp": {
      const v = m[p.field];
      const value = p.value;
      const positive = (cmp: Cmp): boolean => {
        if (v === null) return false;
        if (Array.isArray(v)) return v.includes(value as string);
        if (cmp === "~") return String(v).toLowerCase().includes(String(value).toLowerCase());
        if (cmp === "=") return v === value;
        const [a, b] = [v as number, value as number];
        return cmp === "<" ? a < b : cmp === "<=" ? a <= b : cmp === ">" ? a > b : a >= b;
      };
      if (p.cmp === "!=") return !positive("=");
      if (p.cmp === "!~") return !positive("~");
      return positive(p.cmp);
    }
  }
}

function literal(field: string, value: Value): string {
  const kind = FIELDS[field];
  if (isTimeField(field)) return new Date(value as number).toISOString();
  if (kind === "number") return String(value);
  if (kind === "boolean" || kind === "enum" || kind === "id" || kind === "layers") return String(value);
  if (field === "augmentations") return String(value);
  return JSON.stringify(value);
}

function render(p: Pred): string {
  switch (p.op) {
    case "and":
    case "or":
      return `(${p.items.map(render).join(` ${p.op} `)})`;
    case "not":
      return `not ${render(p.item)}`;
    case "null":
      return `${p.field} ${p.isNegated ? "!=" : "="} null`;
    case "in":
      return `${p.field} ${p.isNegated ? "not in" : "in"} (${p.values.map((v) => literal(p.field, v)).join(", ")})`;
    case "cmp":
      return `${p.field} ${p.cmp} ${literal(p.field, p.value)}`;
  }
}

const ID_LISTS: Record<string, string> = {
  experiment: "experimentIds",
  dataset: "datasetIds",
  sweep: "sweepIds",
};
const TOP_LEVEL: Record<string, string> = {
  "experiment.name": "experimentName",
  "experiment.tag": "experimentTags",
  "experiment.note": "experimentNote",
  "dataset.name": "datasetName",
  "dataset.version": "datasetVersion",
  status: "status",
  tag: "tags",
  note: "note",
  mlBackend: "mlBackend",
  error: "error",
  createdAt: "createdAt",
  startedAt: "startedAt",
  finishedAt: "finishedAt",
};

/** The same predicate as a structured RunFilter (GraphQL variables). */
function toFilter(p: Pred): Record<string, unknown> {
  switch (p.op) {
    case "and":
      return { and: p.items.map(toFilter) };
    case "or":
      return { or: p.items.map(toFilter) };
    case "not":
      return { not: toFilter(p.item) };
    default:
      break;
  }
  const field = p.field;
  const kind = FIELDS[field];
  const asInput = (v: Value) =>
    isTimeField(field)
      ? new Date(v as number).toISOString()
      : kind === "layers" && v !== "HEAD" && v !== "ALL"
        ? Number(v)
        : v;
  if (kind === "id") {
    const list = ID_LISTS[field];
    if (p.op === "null") {
      // The structured filter names sweeps by id: "no sweep" is "none of the sweeps there are".
      const all = [...new Set(models.map((m) => m[field]).filter((v) => v !== null))] as string[];
      const hasOne = { [list]: all };
      return p.isNegated ? hasOne : { not: hasOne };
    }
    const values = p.op === "in" ? p.values : [p.value];
    const positive = { [list]: values };
    const isNegated = p.op === "in" ? p.isNegated : p.cmp === "!=";
    return isNegated ? { not: positive } : positive;
  }
  if (kind === "search") {
    const positive = { text: (p as { value: Value }).value };
    return (p as { cmp: Cmp }).cmp === "!~" ? { not: positive } : positive;
  }
  let condition: Record<string, unknown>;
  if (kind === "list") {
    if (p.op === "null") condition = { isEmpty: !p.isNegated };
    else if (p.op === "in") condition = { [p.isNegated ? "hasNone" : "hasAny"]: p.values };
    else condition = { [p.cmp === "!=" ? "lacks" : "has"]: p.value };
  } else if (p.op === "null") {
    condition = { isNull: !p.isNegated };
  } else if (p.op === "in") {
    condition = { [p.isNegated ? "notIn" : "in"]: p.values.map(asInput) };
  } else {
    const key = {
      "=": "eq",
      "!=": "ne",
      "<": "lt",
      "<=": "lte",
      ">": "gt",
      ">=": "gte",
      "~": "contains",
      "!~": "notContains",
    }[p.cmp];
    condition = { [key]: asInput(p.value) };
  }
  if (field === "augmentations" || !(field in TOP_LEVEL)) {
    if (field.startsWith("best.")) return { best: { [field.slice(5)]: condition } };
    return { hyperparameters: { [field]: condition } };
  }
  return { [TOP_LEVEL[field]]: condition };
}

/** Random predicates over the seeded values (plus values no run has). */
function generator(seed: number) {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const pool = (field: string): Value[] => {
    const values = models.flatMap((m) => (Array.isArray(m[field]) ? (m[field] as string[]) : [m[field]]));
    const present = [...new Set(values.filter((v) => v !== null))];
    const absent: Record<Kind, Value[]> = {
      id: ["00000000-0000-7000-8000-000000000000"],
      text: ["nothing like it"],
      search: ["HELPS", "flip", "%", "_", "promis", "zzz"],
      enum: [],
      number: [-1, 1e9],
      boolean: [],
      time: [Date.UTC(2020, 0, 1)],
      layers: [],
      list: ["unused"],
    };
    // Augmentations are an enum: only its members are valid values.
    return field === "augmentations" ? present : [...present, ...absent[FIELDS[field]]];
  };
  const comparison = (): Pred => {
    const field = pick(Object.keys(FIELDS).filter((f) => f !== "error" || random() < 0.3));
    const kind = FIELDS[field];
    const values = pool(field);
    if (kind !== "search" && random() < 0.12) return { op: "null", field, isNegated: random() < 0.5 };
    if (kind !== "search" && random() < 0.25) {
      const count = 1 + Math.floor(random() * 3);
      return {
        op: "in",
        field,
        values: [...new Set(Array.from({ length: count }, () => pick(values)))],
        isNegated: random() < 0.4,
      };
    }
    const cmps: Cmp[] =
      kind === "number" || kind === "time"
        ? ["=", "!=", "<", "<=", ">", ">="]
        : kind === "text"
          ? ["=", "!=", "~", "!~"]
          : kind === "search"
            ? ["~", "!~"]
            : ["=", "!="];
    const value = pick(values);
    return {
      op: "cmp",
      field,
      cmp: pick(cmps),
      value: kind === "text" && random() < 0.3 ? String(value).slice(1, 5) : value,
    };
  };
  const predicate = (depth: number): Pred => {
    const r = random();
    if (depth >= 3 || r < 0.45) return comparison();
    if (r < 0.6) return { op: "not", item: predicate(depth + 1) };
    const count = 2 + Math.floor(random() * 2);
    return { op: r < 0.8 ? "and" : "or", items: Array.from({ length: count }, () => predicate(depth + 1)) };
  };
  return predicate;
}

const SEARCH = `query($query: String, $filter: RunFilter, $orderBy: RunOrder, $first: Int, $after: String) {
  runs(query: $query, filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    nodes { id }
    pageInfo { hasNextPage endCursor }
  }
}`;

type SearchData = {
  runs: {
    totalCount: number;
    nodes: { id: string }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

async function search(variables: Record<string, unknown>) {
  const res = await server.gql<SearchData>(SEARCH, { first: 100, ...variables }, server.keys.viewer);
  if (res.errors) throw new Error(`${JSON.stringify(variables)}: ${JSON.stringify(res.errors)}`);
  return res.data!.runs;
}

const newestFirst = (a: Model, b: Model) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1);

describe("filters against a brute force over 60 runs", () => {
  it("the generated runs cover every field kind, with matches and ties", () => {
    expect(models).toHaveLength(60);
    expect(new Set(models.map((m) => m.architecture)).size).toBe(3);
    expect(models.filter((m) => m["best.valMacroF1"] === null).length).toBeGreaterThan(0);
    const f1s = models.map((m) => m["best.valMacroF1"]).filter((v) => v !== null);
    expect(new Set(f1s).size).toBeLessThan(f1s.length);
    expect(new Set(models.map((m) => m.createdAt)).size).toBeLessThan(60);
  });

  it("agrees on 300 generated predicates, as a query string and as a structured filter", async () => {
    const predicate = generator(4242);
    let nonTrivial = 0;
    for (let i = 0; i < 300; i++) {
      const p = predicate(0);
      const expected = models
        .filter((m) => holds(p, m))
        .sort(newestFirst)
        .map((m) => m.id);
      if (expected.length > 0 && expected.length < 60) nonTrivial++;
      const byQuery = await search({ query: render(p) });
      expect({ query: render(p), ids: byQuery.nodes.map((n) => n.id) }).toEqual({
        query: render(p),
        ids: expected,
      });
      expect(byQuery.totalCount).toBe(expected.length);
      const byFilter = await search({ filter: toFilter(p) });
      expect({ filter: toFilter(p), ids: byFilter.nodes.map((n) => n.id) }).toEqual({
        filter: toFilter(p),
        ids: expected,
      });
    }
    expect(nonTrivial).toBeGreaterThan(150);
  }, 300_000);

  it("exercises every operator on every field kind at least once among hand-written cases", async () => {
    const some = (field: string) =>
      models.find((m) => m[field] !== null && !(Array.isArray(m[field]) && !(m[field] as string[]).length))![
        field
      ];
    const cases: Pred[] = [
      { op: "cmp", field: "experiment", cmp: "=", value: some("experiment") },
      { op: "cmp", field: "experiment.name", cmp: "~", value: "WEIGHT" },
      { op: "cmp", field: "experiment.tag", cmp: "=", value: "article" },
      { op: "cmp", field: "experiment.note", cmp: "!~", value: "brands" },
      { op: "cmp", field: "dataset.name", cmp: "=", value: "alpha" },
      { op: "cmp", field: "dataset.version", cmp: ">", value: 1 },
      { op: "in", field: "status", values: ["RUNNING", "QUEUED"], isNegated: true },
      { op: "cmp", field: "tag", cmp: "!=", value: "baseline" },
      { op: "null", field: "tag", isNegated: false },
      { op: "cmp", field: "note", cmp: "~", value: "%" },
      { op: "cmp", field: "note", cmp: "~", value: "_" },
      { op: "cmp", field: "note", cmp: "=", value: 'quote " inside' },
      { op: "cmp", field: "text", cmp: "~", value: "promising" },
      { op: "cmp", field: "mlBackend", cmp: "!=", value: "wasm" },
      { op: "null", field: "sweep", isNegated: true },
      { op: "cmp", field: "error", cmp: "~", value: "memory" },
      { op: "cmp", field: "pretrained", cmp: "=", value: true },
      { op: "in", field: "trainableLayers", values: ["HEAD", "3"], isNegated: false },
      { op: "cmp", field: "learningRate", cmp: "<=", value: 0.003 },
      { op: "cmp", field: "weightDecay", cmp: ">=", value: 0.0005 },
      { op: "in", field: "augmentations", values: ["COLOR_JITTER", "RANDOM_CROP"], isNegated: false },
      { op: "cmp", field: "augmentations", cmp: "!=", value: "HORIZONTAL_FLIP" },
      { op: "null", field: "augmentations", isNegated: false },
      { op: "null", field: "effectiveNumberBeta", isNegated: false },
      { op: "cmp", field: "best.valMacroF1", cmp: ">", value: 0.5 },
      { op: "cmp", field: "best.loss", cmp: "<", value: 1.5 },
      { op: "null", field: "best.testAccuracy", isNegated: true },
      { op: "cmp", field: "createdAt", cmp: ">=", value: Date.UTC(2026, 10, 2) },
      { op: "cmp", field: "finishedAt", cmp: "<", value: Date.UTC(2026, 10, 2, 6) },
      { op: "null", field: "startedAt", isNegated: false },
    ];
    for (const p of cases) {
      const expected = models
        .filter((m) => holds(p, m))
        .sort(newestFirst)
        .map((m) => m.id);
      expect({ query: render(p), ids: (await search({ query: render(p) })).nodes.map((n) => n.id) }).toEqual({
        query: render(p),
        ids: expected,
      });
      expect((await search({ filter: toFilter(p) })).nodes.map((n) => n.id)).toEqual(expected);
    }
  }, 120_000);

  it("ANDs the query and the filter, and keeps the first version's filter fields", async () => {
    const experimentId = models[0].experiment as string;
    const expected = models
      .filter((m) => m.experiment === experimentId && ["SUCCEEDED", "FAILED"].includes(m.status as string))
      .filter((m) => m.architecture === "RESNET18_V2" && m.learningRate === 0.01)
      .sort(newestFirst)
      .map((m) => m.id);
    const page = await search({
      query: "learningRate = 0.01",
      filter: { experimentId, statuses: ["SUCCEEDED", "FAILED"], architecture: "RESNET18_V2" },
    });
    expect(page.nodes.map((n) => n.id)).toEqual(expected);
  });
});

/** The sort value of a model under an order, as the API documents it. */
function sortValueOf(m: Model, order: RunOrder): string | number | null {
  const field = order.slice(0, order.lastIndexOf("_"));
  const name = {
    CREATED_AT: "createdAt",
    STARTED_AT: "startedAt",
    FINISHED_AT: "finishedAt",
    BEST_VAL_MACRO_F1: "best.valMacroF1",
    BEST_VAL_ACCURACY: "best.valAccuracy",
    BEST_EPOCH: "best.epoch",
    BEST_LOSS: "best.loss",
    BEST_TRAIN_ACCURACY: "best.trainAccuracy",
    BEST_TEST_ACCURACY: "best.testAccuracy",
    ARCHITECTURE: "architecture",
    PRETRAINED: "pretrained",
    TRAINABLE_LAYERS: "trainableLayers",
    IMAGE_SIZE: "imageSize",
    BATCH_SIZE: "batchSize",
    EPOCHS: "epochs",
    OPTIMIZER: "optimizer",
    LEARNING_RATE: "learningRate",
    WEIGHT_DECAY: "weightDecay",
    LOSS_WEIGHTING: "lossWeighting",
    EFFECTIVE_NUMBER_BETA: "effectiveNumberBeta",
    SEED: "seed",
  }[field]!;
  const value = m[name];
  return typeof value === "boolean" ? Number(value) : (value as string | number | null);
}

/** Brute-force order: by value (byte order for text), runs without a value last, ties by id, one direction. */
function sortedBy(rows: Model[], order: RunOrder): string[] {
  const sign = order.endsWith("_DESC") ? -1 : 1;
  const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  return [...rows]
    .sort((a, b) => {
      const [x, y] = [sortValueOf(a, order), sortValueOf(b, order)];
      if (x === null || y === null) {
        if (x === null && y === null) return sign * compare(a.id, b.id);
        return x === null ? 1 : -1;
      }
      return sign * compare(x, y) || sign * compare(a.id, b.id);
    })
    .map((m) => m.id);
}

describe("orders against a brute force", () => {
  it("walks every RunOrder in pages of 7, each run once, in order, ties by id", async () => {
    expect(RUN_ORDERS).toHaveLength(42);
    const filter = { not: { experimentIds: [models[2].experiment] } };
    const rows = models.filter((m) => m.experiment !== models[2].experiment);
    for (const orderBy of RUN_ORDERS) {
      const seen: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 20; pages++) {
        const page: SearchData["runs"] = await search({ filter, orderBy, first: 7, after });
        seen.push(...page.nodes.map((n) => n.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      expect({ orderBy, ids: seen }).toEqual({ orderBy, ids: sortedBy(rows, orderBy) });
    }
  }, 300_000);

  it("combines a generated filter with an order", async () => {
    const predicate = generator(77);
    for (let i = 0; i < 30; i++) {
      const p = predicate(0);
      const orderBy = RUN_ORDERS[(i * 7) % RUN_ORDERS.length];
      const expected = sortedBy(
        models.filter((m) => holds(p, m)),
        orderBy,
      );
      const page = await search({ query: render(p), orderBy });
      expect({ query: render(p), orderBy, ids: page.nodes.map((n) => n.id) }).toEqual({
        query: render(p),
        orderBy,
        ids: expected,
      });
    }
  }, 120_000);

  it("keeps pages stable while runs are added: no run repeated or skipped", async () => {
    const first = await search({ orderBy: "BEST_VAL_MACRO_F1_DESC", first: 10 });
    const experimentId = models[0].experiment as string;
    // A new best run lands before the cursor; the next pages go on where the first ended.
    const [newId] = await seedRuns(server.db.database.prisma, [
      {
        experimentId,
        hyperparameters: withDefaults({ seed: 99 }),
        status: "SUCCEEDED",
        createdAt: new Date(),
        epochs: generatedEpochs(seededRandom(1), LABELS, 1).map((e) => ({ ...e, valMacroF1: 0.9999 })),
      },
    ]);
    try {
      const rest: string[] = [];
      let after = first.pageInfo.endCursor;
      while (after) {
        const page: SearchData["runs"] = await search({
          orderBy: "BEST_VAL_MACRO_F1_DESC",
          first: 10,
          after,
        });
        rest.push(...page.nodes.map((n) => n.id));
        after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      }
      expect([...first.nodes.map((n) => n.id), ...rest]).toEqual(sortedBy(models, "BEST_VAL_MACRO_F1_DESC"));
      expect(rest).not.toContain(newId);
    } finally {
      await server.db.database.prisma.run.delete({ where: { id: newId } });
    }
  });

  it("refuses a cursor of another ordering or a forged one", async () => {
    const byCreation = await search({ first: 2 });
    const mixed = await server.gql(
      SEARCH,
      { orderBy: "LEARNING_RATE_ASC", after: byCreation.pageInfo.endCursor },
      server.keys.viewer,
    );
    expect(mixed.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    const forged = Buffer.from(
      JSON.stringify(["runs:LEARNING_RATE_ASC", "0.1) OR (1=1", models[0].id]),
    ).toString("base64url");
    const res = await server.gql(SEARCH, { orderBy: "LEARNING_RATE_ASC", after: forged }, server.keys.viewer);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
  });
});

describe("errors through the API", () => {
  it("answers a syntax error with BAD_USER_INPUT, the column and what was expected", async () => {
    const res = await server.gql(
      SEARCH,
      { query: "architecture = MOBILENET_V2 and (learningRate < 0.01" },
      server.keys.viewer,
    );
    expect(res.data).toBeNull();
    expect(res.errors?.[0]).toMatchObject({
      message: 'query: expected one of and, or, ")", found the end of the query at column 53',
      extensions: { code: "BAD_USER_INPUT", field: "query", position: 53, expected: ["and", "or", ")"] },
    });
  });

  it("answers an unknown field with BAD_USER_INPUT at its column", async () => {
    const res = await server.gql(
      SEARCH,
      { query: "seed = 1 or hyperparameters.dropout > 0.5" },
      server.keys.viewer,
    );
    expect(res.errors?.[0].extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      position: 13,
      found: '"hyperparameters.dropout"',
    });
  });
});

describe("hostile input", () => {
  /** Every table's row count and a digest of the runs and experiments tables. */
  async function databaseState(): Promise<unknown> {
    const prisma = server.db.database.prisma;
    return prisma.$queryRaw`
      SELECT (SELECT count(*)::int FROM runs) AS runs, (SELECT count(*)::int FROM experiments) AS experiments,
             (SELECT count(*)::int FROM epoch_metrics) AS epochs, (SELECT count(*)::int FROM datasets) AS datasets,
             (SELECT md5(string_agg(r::text, '' ORDER BY r.id)) FROM runs r) AS runs_digest,
             (SELECT md5(string_agg(e::text, '' ORDER BY e.id)) FROM experiments e) AS experiments_digest,
             (SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public') AS tables`;
  }

  const HOSTILE_QUERIES = [
    `note = "'; DROP TABLE runs; --"`,
    `note = "x' OR '1'='1"`,
    `note ~ "%' OR 1=1 --"`,
    `tag = "baseline'); DELETE FROM runs; --"`,
    `experiment.name = "\\\\"`,
    `text ~ "$1"`,
    `seed = 1; DELETE FROM runs`,
    `seed = 1 -- and`,
    `seed = 1) OR (1=1`,
    `learningRate < 0.1 UNION SELECT * FROM api_keys`,
    `r.id = r.id`,
    `note = "${"a".repeat(9000)}"`,
    `best.valMacroF1 > 0.5 or 1 = 1`,
    `status = "RUNNING'::\\"RunStatus\\" OR TRUE --"`,
    `createdAt > "2026-01-01'; DROP TABLE runs; --"`,
    `note = "\u0000"`,
    `note ~ "😀 ünïcode"`,
  ];

  it("answers each with an error or an empty result, and leaves the database unchanged", async () => {
    const before = await databaseState();
    for (const query of HOSTILE_QUERIES) {
      const res = await server.gql<SearchData>(SEARCH, { query }, server.keys.viewer);
      if (res.errors) {
        expect({ query, code: res.errors[0].extensions?.code }).toEqual({ query, code: "BAD_USER_INPUT" });
      } else {
        expect({ query, ids: res.data!.runs.nodes }).toEqual({ query, ids: [] });
      }
    }
    const filters = [
      { note: { eq: "'; DROP TABLE runs; --" } },
      { tags: { hasAny: ["x') OR TRUE --", "%"] } },
      { experimentName: { contains: "%" } },
      // As LIKE wildcards these would match every run; they are plain characters.
      { text: "%_%_%_%" },
      { experimentIds: ["'; DROP TABLE runs; --"] },
      { mlBackend: { in: ["wasm' OR 'a'='a"] } },
      { note: { eq: "\u0000" } },
    ];
    for (const filter of filters) {
      const res = await server.gql<SearchData>(SEARCH, { filter }, server.keys.viewer);
      if (res.errors) expect(res.errors[0].extensions?.code).toBe("BAD_USER_INPUT");
      else expect({ filter, ids: res.data!.runs.nodes }).toEqual({ filter, ids: [] });
    }
    expect(await databaseState()).toEqual(before);
  });
});

describe("tags and notes", () => {
  it("tags and notes a run and an experiment, and finds them by query", async () => {
    const target = models[5];
    const tag = await server.gql<{ tagRun: { tags: string[] } }>(
      `mutation($id: ID!) { tagRun(id: $id, add: [" keeper ", "temporary", "keeper"], remove: ["temporary", "absent"]) { tags } }`,
      { id: target.id },
      server.keys.engineer,
    );
    expect(tag.data?.tagRun.tags).toEqual([...(target.tag as string[]), "keeper"]);
    await server.gql(
      `mutation($id: ID!) { setRunNote(id: $id, note: "Check the Ferrari confusions") { note } }`,
      { id: target.id },
      server.keys.engineer,
    );
    expect((await search({ query: "tag = keeper" })).nodes).toEqual([{ id: target.id }]);
    expect((await search({ query: 'note ~ "ferrari"' })).nodes).toEqual([{ id: target.id }]);
    expect((await search({ query: "text ~ keeper" })).nodes).toEqual([{ id: target.id }]);
    const experimentId = models[2].experiment as string;
    const tagged = await server.gql<{
      tagExperiment: { tags: string[] };
      setExperimentNote: { note: string };
    }>(
      `mutation($id: ID!) { tagExperiment(id: $id, add: ["reviewed"]) { tags } setExperimentNote(id: $id, note: "Beta needs more data") { note } }`,
      { id: experimentId },
      server.keys.engineer,
    );
    expect(tagged.data).toEqual({
      tagExperiment: { tags: ["reviewed"] },
      setExperimentNote: { note: "Beta needs more data" },
    });
    const runsOfIt = models
      .filter((m) => m.experiment === experimentId)
      .sort(newestFirst)
      .map((m) => m.id);
    expect((await search({ query: "experiment.tag = reviewed" })).nodes.map((n) => n.id)).toEqual(runsOfIt);
    expect((await search({ query: 'experiment.note ~ "MORE DATA"' })).nodes.map((n) => n.id)).toEqual(
      runsOfIt,
    );
    const experiments = await server.gql<{ experiments: { nodes: { id: string }[] } }>(
      `{ a: experiments(filter: { noteContains: "more data" }) { nodes { id } } }`,
      {},
      server.keys.viewer,
    );
    expect(experiments.data).toEqual({ a: { nodes: [{ id: experimentId }] } });
    // Undo, so the other tests' model stays true.
    await server.registry.annotations.tagRun(target.id, { remove: ["keeper"] });
    await server.registry.annotations.setRunNote(target.id, target.note as string);
  });

  it("refuses too many or too long tags, and unknown runs, writing nothing", async () => {
    const id = models[6].id;
    const many = Array.from({ length: 33 }, (_, i) => `t${i}`);
    const res = await server.gql(
      `mutation($id: ID!, $add: [String!]) { tagRun(id: $id, add: $add) { tags } }`,
      { id, add: many },
      server.keys.engineer,
    );
    expect(res.errors?.[0]).toMatchObject({
      message: "at most 32 tags",
      extensions: { code: "BAD_USER_INPUT" },
    });
    const long = await server.gql(
      `mutation($id: ID!) { tagRun(id: $id, add: ["${"x".repeat(65)}"]) { tags } }`,
      { id },
      server.keys.engineer,
    );
    expect(long.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "add" });
    expect((await server.registry.runs.get(id))!.tags).toEqual(models[6].tag);
    const missing = await server.gql(
      `mutation { setRunNote(id: "00000000-0000-7000-8000-000000000000", note: "x") { id } }`,
      {},
      server.keys.engineer,
    );
    expect(missing.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    const viewer = await server.gql(
      `mutation($id: ID!) { tagRun(id: $id, add: ["x"]) { id } }`,
      { id },
      server.keys.viewer,
    );
    expect(viewer.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });
});

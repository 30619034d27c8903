import { Prisma } from "../generated/prisma/client";
import { Architecture, LossWeighting, Optimizer } from "../generated/prisma/enums";
import type { Augmentation } from "../ml/hyperparameters";
import { RUN_STATUSES, type RunSortField } from "../vocabulary";

/**
 * The fields runs are filtered and sorted by: their names in the query language, the kind of value
 * each holds and where that value lives in SQL. The only place that names run columns for search;
 * `runPredicateSql.ts` builds conditions from these fragments and bound parameters only.
 */

/** What a field holds, which decides the literals and operators it accepts. */
export type FieldKind =
  | "id"
  | "text"
  | "enum"
  | "integer"
  | "number"
  | "boolean"
  | "time"
  | "trainableLayers"
  | "textList"
  | "enumList";

/** Where a field's value is, relative to a run `r`. */
export type FieldSource =
  /** An expression over `r` (a column, a JSON member, a correlated lookup of the best epoch). */
  | { kind: "run"; expression: Prisma.Sql }
  /** An expression over the run's experiment `e` (and its dataset `d`). */
  | { kind: "experiment"; expression: Prisma.Sql }
  | { kind: "dataset"; expression: Prisma.Sql };

/** How list fields store their items. */
export type ListStorage = "textArray" | "jsonbArray";

export interface RunField {
  /** Name in the query language, e.g. `learningRate`, `best.valMacroF1`. */
  name: string;
  /** Other accepted spellings (`hyperparameters.learningRate`). */
  aliases: string[];
  kind: FieldKind;
  /** The allowed values of an enum or enum-list field. */
  members?: readonly string[];
  /** PostgreSQL enum type of an enum column, so comparisons keep using its indexes. */
  enumType?: string;
  listStorage?: ListStorage;
  source: FieldSource;
  /** Whether a run may lack a value. */
  isNullable: boolean;
  /** The `RunOrder` field that sorts by it, if it is sortable. */
  sortField?: RunSortField;
  /**
   * The expression runs are sorted by, when it is not `source.expression`: enums sort as text in
   * byte order (`COLLATE "C"`, the same on every database), booleans as 0/1.
   */
  sortExpression?: Prisma.Sql;
  /** What it is, for error messages and docs. */
  description: string;
}

const raw = Prisma.raw;

// Prisma's enums hold exactly ml/hyperparameters.ts's lists (src/__tests__/vocabulary.test.ts);
// experiments/ may not run ml/ code, so augmentations, which have no column, are listed here and
// checked at compile time to name every `Augmentation`.
const ARCHITECTURES = Object.values(Architecture);
const OPTIMIZERS = Object.values(Optimizer);
const LOSS_WEIGHTINGS = Object.values(LossWeighting);
const AUGMENTATIONS = [
  "HORIZONTAL_FLIP",
  "RANDOM_CROP",
  "RANDOM_RESIZED_CROP",
  "COLOR_JITTER",
  "COPY_PASTE",
] as const satisfies readonly Augmentation[];
type UnlistedAugmentation = Exclude<Augmentation, (typeof AUGMENTATIONS)[number]>;
const EVERY_AUGMENTATION_LISTED: [UnlistedAugmentation] extends [never] ? true : never = true;
void EVERY_AUGMENTATION_LISTED;

function runField(
  name: string,
  kind: FieldKind,
  expression: string,
  description: string,
  extra: Partial<RunField> = {},
): RunField {
  return {
    name,
    aliases: [],
    kind,
    source: { kind: "run", expression: raw(expression) },
    isNullable: false,
    description,
    ...extra,
  };
}

function hyperparameter(
  name: string,
  kind: FieldKind,
  expression: string,
  description: string,
  extra: Partial<RunField> = {},
): RunField {
  return runField(name, kind, expression, description, {
    aliases: [`hyperparameters.${name}`],
    ...extra,
  });
}

/** A metric of the run's best epoch that is not denormalised onto `runs`: looked up by (run, epoch). */
function bestEpochLookup(column: string): string {
  return `(SELECT bm.${column} FROM epoch_metrics bm WHERE bm.run_id = r.id AND bm.epoch = r.best_epoch)`;
}

/** Every searchable field, in the order the docs and error messages list them. */
export const RUN_FIELDS: readonly RunField[] = [
  runField("id", "id", "r.id", "the run's id"),
  runField("experiment", "id", "r.experiment_id", "the experiment's id", { aliases: ["experimentId"] }),
  {
    name: "experiment.name",
    aliases: [],
    kind: "text",
    source: { kind: "experiment", expression: raw("e.name") },
    isNullable: false,
    description: "the experiment's name",
  },
  {
    name: "experiment.tag",
    aliases: ["experiment.tags"],
    kind: "textList",
    listStorage: "textArray",
    source: { kind: "experiment", expression: raw("e.tags") },
    isNullable: false,
    description: "a tag of the experiment",
  },
  {
    name: "experiment.note",
    aliases: [],
    kind: "text",
    source: { kind: "experiment", expression: raw("e.note") },
    isNullable: false,
    description: "the experiment's note",
  },
  {
    name: "dataset",
    aliases: ["datasetId"],
    kind: "id",
    source: { kind: "experiment", expression: raw("e.dataset_id") },
    isNullable: false,
    description: "the id of the dataset (one version) the run trains on",
  },
  {
    name: "dataset.name",
    aliases: [],
    kind: "text",
    source: { kind: "dataset", expression: raw("d.name") },
    isNullable: false,
    description: "the dataset's name (every version)",
  },
  {
    name: "dataset.version",
    aliases: [],
    kind: "integer",
    source: { kind: "dataset", expression: raw("d.version") },
    isNullable: false,
    description: "the dataset's version",
  },
  runField("status", "enum", "r.status", "the run's status", {
    members: RUN_STATUSES,
    enumType: "RunStatus",
  }),
  runField("tag", "textList", "r.tags", "a tag of the run", {
    aliases: ["tags"],
    listStorage: "textArray",
  }),
  runField("note", "text", "r.note", "the run's note"),
  {
    name: "text",
    aliases: [],
    kind: "text",
    source: {
      kind: "run",
      expression: raw(
        "(r.note || ' ' || array_to_string(COALESCE(r.tags, ARRAY[]::text[]), ' ') || ' ' || " +
          "(SELECT e.name || ' ' || e.description || ' ' || e.note || ' ' || " +
          "array_to_string(COALESCE(e.tags, ARRAY[]::text[]), ' ') FROM experiments e WHERE e.id = r.experiment_id))",
      ),
    },
    isNullable: false,
    description: "the run's note and tags and its experiment's name, description, note and tags together",
  },
  runField("mlBackend", "text", "r.ml_backend", "the TensorFlow.js backend the run trained on", {
    isNullable: true,
  }),
  runField("sweep", "id", "r.sweep_id", "the id of the sweep that queued the run", {
    aliases: ["sweepId"],
    isNullable: true,
  }),
  runField("error", "text", "r.error", "why the run failed", { isNullable: true }),
  hyperparameter("architecture", "enum", "r.architecture", "the model family", {
    members: ARCHITECTURES,
    enumType: "Architecture",
    sortField: "ARCHITECTURE",
    sortExpression: raw(`(r.architecture::text COLLATE "C")`),
  }),
  hyperparameter("pretrained", "boolean", "r.pretrained", "whether the backbone starts pretrained", {
    sortField: "PRETRAINED",
    sortExpression: raw("r.pretrained::int"),
  }),
  hyperparameter(
    "trainableLayers",
    "trainableLayers",
    "(r.hyperparameters->>'trainableLayers')",
    "HEAD, ALL or a count of top layers",
    {
      sortField: "TRAINABLE_LAYERS",
      sortExpression: raw(`((r.hyperparameters->>'trainableLayers') COLLATE "C")`),
    },
  ),
  hyperparameter("imageSize", "integer", "r.image_size", "the input size in pixels", {
    sortField: "IMAGE_SIZE",
  }),
  hyperparameter("batchSize", "integer", "r.batch_size", "images per step", { sortField: "BATCH_SIZE" }),
  hyperparameter("epochs", "integer", "r.epochs_planned", "the epochs planned", { sortField: "EPOCHS" }),
  hyperparameter("optimizer", "enum", "r.optimizer", "the optimizer", {
    members: OPTIMIZERS,
    enumType: "Optimizer",
    sortField: "OPTIMIZER",
    sortExpression: raw(`(r.optimizer::text COLLATE "C")`),
  }),
  hyperparameter("learningRate", "number", "r.learning_rate", "the learning rate", {
    sortField: "LEARNING_RATE",
  }),
  hyperparameter(
    "weightDecay",
    "number",
    "((r.hyperparameters->>'weightDecay')::double precision)",
    "the L2 weight decay",
    { sortField: "WEIGHT_DECAY" },
  ),
  hyperparameter("augmentations", "enumList", "(r.hyperparameters->'augmentations')", "an augmentation", {
    aliases: ["hyperparameters.augmentations", "augmentation"],
    members: AUGMENTATIONS,
    listStorage: "jsonbArray",
  }),
  hyperparameter("lossWeighting", "enum", "r.loss_weighting", "the loss weighting", {
    members: LOSS_WEIGHTINGS,
    enumType: "LossWeighting",
    sortField: "LOSS_WEIGHTING",
    sortExpression: raw(`(r.loss_weighting::text COLLATE "C")`),
  }),
  hyperparameter(
    "effectiveNumberBeta",
    "number",
    "((r.hyperparameters->>'effectiveNumberBeta')::double precision)",
    "β of the effective-number weighting",
    { isNullable: true, sortField: "EFFECTIVE_NUMBER_BETA" },
  ),
  hyperparameter("seed", "integer", "r.seed", "the random seed", { sortField: "SEED" }),
  runField("best.epoch", "integer", "r.best_epoch", "the best epoch", {
    aliases: ["bestEpoch"],
    isNullable: true,
    sortField: "BEST_EPOCH",
  }),
  runField("best.valMacroF1", "number", "r.best_val_macro_f1", "the best epoch's validation macro-F1", {
    aliases: ["bestValMacroF1"],
    isNullable: true,
    sortField: "BEST_VAL_MACRO_F1",
  }),
  runField("best.valAccuracy", "number", "r.best_val_accuracy", "the best epoch's validation accuracy", {
    aliases: ["bestValAccuracy"],
    isNullable: true,
    sortField: "BEST_VAL_ACCURACY",
  }),
  runField("best.loss", "number", bestEpochLookup("loss"), "the best epoch's training loss", {
    isNullable: true,
    sortField: "BEST_LOSS",
  }),
  runField(
    "best.trainAccuracy",
    "number",
    bestEpochLookup("train_accuracy"),
    "the best epoch's training accuracy",
    { isNullable: true, sortField: "BEST_TRAIN_ACCURACY" },
  ),
  runField(
    "best.testAccuracy",
    "number",
    bestEpochLookup("test_accuracy"),
    "the best epoch's test accuracy",
    { isNullable: true, sortField: "BEST_TEST_ACCURACY" },
  ),
  runField(
    "best.majorityBaselineAccuracy",
    "number",
    bestEpochLookup("majority_baseline_accuracy"),
    "the majority baseline beside the best epoch",
    { isNullable: true },
  ),
  runField("createdAt", "time", "r.created_at", "when the run was queued", { sortField: "CREATED_AT" }),
  runField("startedAt", "time", "r.started_at", "when a worker first started the run", {
    isNullable: true,
    sortField: "STARTED_AT",
  }),
  runField("finishedAt", "time", "r.finished_at", "when the run ended", {
    isNullable: true,
    sortField: "FINISHED_AT",
  }),
];

const BY_NAME = new Map<string, RunField>(
  RUN_FIELDS.flatMap((field) => [field.name, ...field.aliases].map((name) => [name.toLowerCase(), field])),
);

/** The field of this name or alias (case-insensitive), or undefined. */
export function runFieldNamed(name: string): RunField | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** The field a `RunOrder` field sorts by. */
export function runFieldSortedBy(sortField: RunSortField): RunField {
  const field = RUN_FIELDS.find((f) => f.sortField === sortField);
  if (!field) throw new Error(`no run field sorts by ${sortField}`);
  return field;
}

/** The canonical names of every field, for "expected one of …". */
export const RUN_FIELD_NAMES: readonly string[] = RUN_FIELDS.map((f) => f.name);

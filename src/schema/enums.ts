import { registerEnumType } from "type-graphql";
import * as ml from "../ml/hyperparameters";
import * as vocabulary from "../vocabulary";

/** A GraphQL enum object `{ VALUE: "VALUE", … }` over one of the shared constant lists. */
type EnumObject<T extends string> = { readonly [K in T]: K };

/**
 * Registers the GraphQL enum `name` whose values are exactly `values` (one of the lists in
 * `src/vocabulary.ts` or `ml/hyperparameters.ts`), so the API, the ML core and the database speak
 * one vocabulary. Returns the object type-graphql resolves the enum with.
 */
function graphqlEnum<const T extends string>(
  values: readonly T[],
  name: string,
  description: string,
  valueDescriptions?: (value: T) => string,
): EnumObject<T> {
  const object = Object.fromEntries(values.map((value) => [value, value])) as EnumObject<T>;
  const valuesConfig = valueDescriptions
    ? (Object.fromEntries(
        values.map((value) => [value, { description: valueDescriptions(value) }]),
      ) as Partial<Record<T, { description: string }>>)
    : undefined;
  registerEnumType(object, { name, description, valuesConfig });
  return object;
}

/** Words for a `RunOrder` value: `BEST_VAL_MACRO_F1_DESC` → "best val macro f1, descending". */
function describeRunOrder(order: vocabulary.RunOrder): string {
  const direction = order.endsWith("_DESC") ? "descending" : "ascending";
  const field = order.slice(0, order.lastIndexOf("_")).toLowerCase().replace(/_/g, " ");
  return `By ${field.replace(/^best /, "the best epoch's ")}, ${direction}; runs without a value last, ties by id.`;
}

export type Role = vocabulary.Role;
export const Role = graphqlEnum(
  vocabulary.ROLES,
  "Role",
  "API key role. VIEWER reads; SERVICE also classifies; ENGINEER also writes; ADMIN also manages keys.",
);

export type DatasetFormat = vocabulary.DatasetFormat;
export const DatasetFormat = graphqlEnum(
  vocabulary.DATASET_FORMATS,
  "DatasetFormat",
  "On-disk layout a dataset was read from.",
);

export type DatasetStatus = vocabulary.DatasetStatus;
export const DatasetStatus = graphqlEnum(
  vocabulary.DATASET_STATUSES,
  "DatasetStatus",
  "Lifecycle of a dataset: being generated or imported, usable, or failed.",
);

export type DatasetImportFormat = vocabulary.DatasetImportFormat;
export const DatasetImportFormat = graphqlEnum(
  vocabulary.DATASET_IMPORT_FORMATS,
  "DatasetImportFormat",
  "FLICKRLOGOS32: the FlickrLogos-v2 release layout; IMAGE_FOLDER: <root>/{train,val,test}/<class>/*; FLICKRLOGOS27: images/ with training_set_annotation.txt (boxes) and query_set_annotation.txt; PASCAL_VOC: one XML per image with its boxes (Annotations/ + JPEGImages/ as OpenLogo ships it, or beside the images as in LogoDet-3K).",
);

export type SplitRecipe = vocabulary.SplitRecipe;
export const SplitRecipe = graphqlEnum(
  vocabulary.SPLIT_RECIPES,
  "SplitRecipe",
  "FlickrLogos-32 splits. OFFICIAL: train 320 / val 3,960 / test 3,960. ARTICLE: the first half of the validation no-logo images move into train (train 1,820 / val 2,460 / test 3,960).",
);

export type RunStatus = vocabulary.RunStatus;
export const RunStatus = graphqlEnum(vocabulary.RUN_STATUSES, "RunStatus", "Lifecycle of a training run.");

export type Architecture = ml.Architecture;
export const Architecture = graphqlEnum(
  ml.ARCHITECTURES,
  "Architecture",
  "Model family: ALEXNET_LITE is the article's small CNN; RESNET18_V2 pre-activation ResNet-18; MOBILENET_V2 a head on nsfwjs's MobileNetV2 features; LOCALIZER a per-cell head on the MobileNetV2-1.4 feature map that says where the logo is (box).",
);

export type Optimizer = ml.Optimizer;
export const Optimizer = graphqlEnum(ml.OPTIMIZERS, "Optimizer", "Gradient-descent optimizer.");

export type Augmentation = ml.Augmentation;
export const Augmentation = graphqlEnum(
  ml.AUGMENTATIONS,
  "Augmentation",
  "Training-time image augmentation (evaluation always uses a center crop).",
);

export type LossWeighting = ml.LossWeighting;
export const LossWeighting = graphqlEnum(
  ml.LOSS_WEIGHTINGS,
  "LossWeighting",
  "How cross-entropy is weighted per class: not, by inverse frequency, by effective number, or by given weights.",
);

export type RunOrder = vocabulary.RunOrder;
export const RunOrder = graphqlEnum(
  vocabulary.RUN_ORDERS,
  "RunOrder",
  "Sort order of the runs list: any time, best-epoch metric or hyperparameter, either direction. Pagination is keyset over (value, id), so it stays stable while runs are added.",
  describeRunOrder,
);

export type SweepStrategy = vocabulary.SweepStrategy;
export const SweepStrategy = graphqlEnum(
  vocabulary.SWEEP_STRATEGIES,
  "SweepStrategy",
  "How a sweep picks its points: GRID, every combination of the listed values; RANDOM, maxRuns distinct seeded draws from the lists and ranges.",
);

export type SweepStatus = vocabulary.SweepStatus;
export const SweepStatus = graphqlEnum(
  vocabulary.SWEEP_STATUSES,
  "SweepStatus",
  "RUNNING while a run of the sweep is queued or running; then SUCCEEDED (a run succeeded) or FAILED (none did); CANCELLED once cancelled.",
);

export type RangeScale = vocabulary.RangeScale;
export const RangeScale = graphqlEnum(
  vocabulary.RANGE_SCALES,
  "RangeScale",
  "How a random sweep draws between a range's bounds: LINEAR (uniform) or LOG (log-uniform, for learning rates).",
);

export type EpochMetricName = vocabulary.EpochMetricName;
export const EpochMetricName = graphqlEnum(
  vocabulary.EPOCH_METRIC_NAMES,
  "EpochMetricName",
  "A per-epoch metric: validation macro-F1 or accuracy, test or training accuracy, or training loss (the one where lower is better).",
);

export type RunEventKind = vocabulary.RunEventKind;
export const RunEventKind = graphqlEnum(
  vocabulary.RUN_EVENT_KINDS,
  "RunEventKind",
  "SNAPSHOT: the run as it is when the subscription starts; STATUS: a status change; PROGRESS: batch progress (not stored); EPOCH: an epoch's metrics were committed; CANCEL_REQUESTED: a cancel was asked for a running run.",
);

export type TrainingPhase = vocabulary.TrainingPhase;
export const TrainingPhase = graphqlEnum(
  vocabulary.TRAINING_PHASES,
  "TrainingPhase",
  "EMBEDDING: a frozen pretrained backbone embeds every image once before head-only training (features cached); TRAINING: optimizer steps of an epoch.",
);

export type DatabaseKind = vocabulary.DatabaseKind;
export const DatabaseKind = graphqlEnum(
  vocabulary.DATABASE_KINDS,
  "DatabaseKind",
  "postgres: an external PostgreSQL server; embedded: the built-in PGlite database.",
);

export type EvaluationStatus = vocabulary.EvaluationStatus;
export const EvaluationStatus = graphqlEnum(
  vocabulary.EVALUATION_STATUSES,
  "EvaluationStatus",
  "Lifecycle of an evaluation: images being classified, scored, or failed (see error).",
);

export type DatasetSplit = vocabulary.DatasetSplit;
export const DatasetSplit = graphqlEnum(vocabulary.DATASET_SPLITS, "DatasetSplit", "A split of a dataset.");

export type RandomisationElement = vocabulary.RandomisationElement;
export const RandomisationElement = graphqlEnum(
  vocabulary.RANDOMISATION_ELEMENTS,
  "RandomisationElement",
  "A domain-randomisation element of the synthetic-data generator: one way generated images are made to look like real photographs.",
  (element) => vocabulary.RANDOMISATION_DESCRIPTIONS[element],
);

export type BackgroundPart = vocabulary.BackgroundPart;
export const BackgroundPart = graphqlEnum(
  vocabulary.BACKGROUND_PARTS,
  "BackgroundPart",
  "Which of the generator's background photos a synthetic dataset is drawn on.",
  (part) =>
    ({
      TRAINING:
        "About four in five photos of every scene: what datasets are drawn on unless asked otherwise.",
      HELD_OUT:
        "The other photos, which no TRAINING dataset shows: for evaluation sets on photos training never saw.",
      ALL: "Every photo (datasets generated before the pool was split).",
    })[part],
);

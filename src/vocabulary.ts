/**
 * The enumerations several layers share, defined once. GraphQL's enums are derived from these
 * (`schema/enums.ts`) and from the hyperparameter enumerations of `ml/hyperparameters.ts`; Prisma's
 * enums are checked against both (`src/__tests__/vocabulary.test.ts`). Like `errors.ts`, this module
 * imports nothing from `src/`, so every layer may use it.
 */

/** API key roles from weakest to strongest; each includes everything before it. */
export const ROLES = ["VIEWER", "SERVICE", "ENGINEER", "ADMIN"] as const;
export type Role = (typeof ROLES)[number];

/** On-disk layouts a dataset can come from (SYNTHETIC: made by LogoLab's generator). */
export const DATASET_FORMATS = [
  "FLICKRLOGOS32",
  "IMAGE_FOLDER",
  "SYNTHETIC",
  "FLICKRLOGOS27",
  "PASCAL_VOC",
] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** The formats `importDataset` reads. */
export const DATASET_IMPORT_FORMATS = [
  "FLICKRLOGOS32",
  "IMAGE_FOLDER",
  "FLICKRLOGOS27",
  "PASCAL_VOC",
] as const;
export type DatasetImportFormat = (typeof DATASET_IMPORT_FORMATS)[number];

/** Lifecycle of a dataset. */
export const DATASET_STATUSES = ["GENERATING", "IMPORTING", "READY", "FAILED"] as const;
export type DatasetStatus = (typeof DATASET_STATUSES)[number];

/** Statuses of a dataset whose preparation is still under way. */
export const PREPARING_STATUSES: readonly DatasetStatus[] = ["GENERATING", "IMPORTING"];

/** How FlickrLogos-32's lists become train/val/test (see `datasets/splitRecipe.ts`). */
export const SPLIT_RECIPES = ["OFFICIAL", "ARTICLE"] as const;
export type SplitRecipe = (typeof SPLIT_RECIPES)[number];

/** Lifecycle of a training run. */
export const RUN_STATUSES = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The statuses a run never leaves. */
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ["SUCCEEDED", "FAILED", "CANCELLED"];

/** Whether a run in `status` is finished for good. */
export function isTerminalRunStatus(status: RunStatus): boolean {
  return TERMINAL_RUN_STATUSES.includes(status);
}

/**
 * What the runs list can be sorted by: times, best-epoch metrics and hyperparameters. Each sorts
 * either way (`RunOrder` = field + `_ASC` | `_DESC`); ties are broken by id in the same direction
 * and runs without a value (no best epoch yet, not finished) come last in both directions.
 */
export const RUN_SORT_FIELDS = [
  "CREATED_AT",
  "STARTED_AT",
  "FINISHED_AT",
  "BEST_VAL_MACRO_F1",
  "BEST_VAL_ACCURACY",
  "BEST_EPOCH",
  "BEST_LOSS",
  "BEST_TRAIN_ACCURACY",
  "BEST_TEST_ACCURACY",
  "ARCHITECTURE",
  "PRETRAINED",
  "TRAINABLE_LAYERS",
  "IMAGE_SIZE",
  "BATCH_SIZE",
  "EPOCHS",
  "OPTIMIZER",
  "LEARNING_RATE",
  "WEIGHT_DECAY",
  "LOSS_WEIGHTING",
  "EFFECTIVE_NUMBER_BETA",
  "SEED",
] as const;
export type RunSortField = (typeof RUN_SORT_FIELDS)[number];

/** Sort directions, as the suffix of a `RunOrder`. */
export const SORT_DIRECTIONS = ["DESC", "ASC"] as const;
export type SortDirectionName = (typeof SORT_DIRECTIONS)[number];

/** Sort orders of the runs list: every sort field in both directions. */
export type RunOrder = `${RunSortField}_${SortDirectionName}`;
export const RUN_ORDERS: readonly RunOrder[] = RUN_SORT_FIELDS.flatMap((field) =>
  SORT_DIRECTIONS.map((direction): RunOrder => `${field}_${direction}`),
);

/** How a sweep chooses its points: every combination, or seeded random draws. */
export const SWEEP_STRATEGIES = ["GRID", "RANDOM"] as const;
export type SweepStrategy = (typeof SWEEP_STRATEGIES)[number];

/** State of a sweep, derived from its runs (CANCELLED once cancelled, whatever its runs do after). */
export const SWEEP_STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"] as const;
export type SweepStatus = (typeof SWEEP_STATUSES)[number];

/** How a random sweep draws a number between a range's bounds. */
export const RANGE_SCALES = ["LINEAR", "LOG"] as const;
export type RangeScale = (typeof RANGE_SCALES)[number];

/** Per-epoch metrics runs are compared, charted and ranked by. LOSS is the only one where lower is better. */
export const EPOCH_METRIC_NAMES = [
  "VAL_MACRO_F1",
  "VAL_ACCURACY",
  "TEST_ACCURACY",
  "TRAIN_ACCURACY",
  "LOSS",
] as const;
export type EpochMetricName = (typeof EPOCH_METRIC_NAMES)[number];

/** Kinds of events on a run's progress stream (SNAPSHOT: only the first event of a subscription). */
export const RUN_EVENT_KINDS = ["SNAPSHOT", "STATUS", "PROGRESS", "EPOCH", "CANCEL_REQUESTED"] as const;
export type RunEventKind = (typeof RUN_EVENT_KINDS)[number];

/** What a run is doing while it reports batch progress. */
export const TRAINING_PHASES = ["EMBEDDING", "TRAINING"] as const;
export type TrainingPhase = (typeof TRAINING_PHASES)[number];

/** Which PostgreSQL LogoLab talks to (`health.database`). */
export const DATABASE_KINDS = ["postgres", "embedded"] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/** Lifecycle of an evaluation (a model scored on a dataset split). */
export const EVALUATION_STATUSES = ["RUNNING", "SUCCEEDED", "FAILED"] as const;
export type EvaluationStatus = (typeof EVALUATION_STATUSES)[number];

/** The splits of a dataset as the API names them (`datasets/` writes them as train, val, test). */
export const DATASET_SPLITS = ["TRAIN", "VAL", "TEST"] as const;
export type DatasetSplit = (typeof DATASET_SPLITS)[number];

/**
 * The generator's domain-randomisation elements: each makes generated images look more like real
 * photographs in one way, can be switched off on its own (for an ablation), and draws from its own
 * random stream, so switching one off leaves every other element's draws unchanged (except that
 * REALISTIC_PLACEMENT, which changes how many logos an image shows and where, also changes the
 * clutter and colour draws that follow the logos).
 */
export const RANDOMISATION_ELEMENTS = [
  "SURFACE_CURVATURE",
  "LIGHTING",
  "REALISTIC_PLACEMENT",
  "EDGE_CROPS",
  "HARD_NEGATIVES",
  "MOTION_BLUR",
  "SENSOR_NOISE",
  "WHITE_BALANCE",
  "LOW_RESOLUTION",
  "RECOMPRESSION",
  "BRAND_MARKS",
] as const;
export type RandomisationElement = (typeof RANDOMISATION_ELEMENTS)[number];

/** What each element does, for the schema, the CLI's help and the README. */
export const RANDOMISATION_DESCRIPTIONS: Record<RandomisationElement, string> = {
  SURFACE_CURVATURE:
    "Logos printed on curved surfaces (cans, bottles, cloth): a cylinder wrap that compresses the mark towards its edges",
  LIGHTING: "Shading across the logo (a light gradient) and a specular highlight band, as on glossy objects",
  REALISTIC_PLACEMENT:
    "Logo sizes, positions and counts drawn from the distribution of real Flickr photos (often large and central) instead of uniform small placements",
  EDGE_CROPS: "Some logos cut by the frame edge (10–40 % outside the image); boxes cover the visible part",
  HARD_NEGATIVES: "Other brands' marks (simple-icons, none of the dataset's brands) pasted as distractors",
  MOTION_BLUR: "Linear motion blur of 3–11 px in a random direction",
  SENSOR_NOISE: "Gaussian sensor noise (σ 2–10 grey levels), partly per channel",
  WHITE_BALANCE: "Colour casts: a white-balance temperature and tint shift",
  LOW_RESOLUTION: "A low-resolution original upscaled to the output size (30–60 % of it)",
  RECOMPRESSION: "One or two earlier JPEG/WebP encodings at quality 30–85 before the final JPEG",
  BRAND_MARKS:
    "Every mark of a brand the offline artwork packages have (symbol, wordmark, an earlier version), one per image, instead of only its primary artwork",
};

/**
 * Which of the generator's background photos a synthetic dataset is drawn on: TRAINING (the
 * default: about four in five photos of every scene), HELD_OUT (the rest, which no default dataset
 * uses: for evaluation sets on photos training never saw) or ALL.
 */
export const BACKGROUND_PARTS = ["TRAINING", "HELD_OUT", "ALL"] as const;
export type BackgroundPart = (typeof BACKGROUND_PARTS)[number];

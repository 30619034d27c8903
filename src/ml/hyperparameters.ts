import { ValidationError } from "../errors";

/** Model families LogoLab trains (shared with the GraphQL `Architecture` enum). */
export const ARCHITECTURES = ["ALEXNET_LITE", "RESNET18_V2", "MOBILENET_V2", "LOCALIZER"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

export const OPTIMIZERS = ["SGD", "MOMENTUM", "ADAM"] as const;
export type Optimizer = (typeof OPTIMIZERS)[number];

export const AUGMENTATIONS = [
  "HORIZONTAL_FLIP",
  "RANDOM_CROP",
  "RANDOM_RESIZED_CROP",
  "COLOR_JITTER",
  "COPY_PASTE",
] as const;
export type Augmentation = (typeof AUGMENTATIONS)[number];

export const LOSS_WEIGHTINGS = ["NONE", "INVERSE_FREQUENCY", "EFFECTIVE_NUMBER", "CUSTOM"] as const;
export type LossWeighting = (typeof LOSS_WEIGHTINGS)[number];

/** `HEAD` = only the new classifier layer, `ALL` = every layer, n = the top n layers that have weights. */
export type TrainableLayers = "HEAD" | "ALL" | number;

/** Everything that defines a training run (API.md `Hyperparameters`). */
export interface Hyperparameters {
  architecture: Architecture;
  /** Start from pretrained weights (MOBILENET_V2: nsfwjs's; RESNET18_V2: a weights path/URL). */
  pretrained: boolean;
  trainableLayers: TrainableLayers;
  /** Square input side in pixels. */
  imageSize: number;
  /** Images per optimizer step. */
  batchSize: number;
  epochs: number;
  optimizer: Optimizer;
  learningRate: number;
  /** L2 weight decay coefficient added to every gradient (`g + weightDecay·w`). */
  weightDecay: number;
  /**
   * Train-time augmentations; validation and test always use a center crop. COPY_PASTE (LOCALIZER
   * only): each no-logo training image also appears with a training logo crop pasted on it.
   */
  augmentations: Augmentation[];
  lossWeighting: LossWeighting;
  /** Per-class loss weights, in label order; required for CUSTOM, ignored otherwise. */
  classWeights?: number[];
  /** β of the EFFECTIVE_NUMBER weighting (Cui et al. 2019); default 0.999. */
  effectiveNumberBeta?: number;
  /** Seed of weight init, data order and augmentation draws. */
  seed: number;
}

/** The article's settings: AlexNet-lite, SGD lr 0.01, wd 0.001, batch 40, 20 epochs, flip + random crop. */
export const defaultHyperparameters: Readonly<Hyperparameters> = Object.freeze<Hyperparameters>({
  architecture: "ALEXNET_LITE",
  pretrained: false,
  trainableLayers: "ALL",
  imageSize: 96,
  batchSize: 40,
  epochs: 20,
  optimizer: "SGD",
  learningRate: 0.01,
  weightDecay: 0.001,
  augmentations: ["HORIZONTAL_FLIP", "RANDOM_CROP"],
  lossWeighting: "NONE",
  seed: 42,
});

/**
 * The `trainableLayers` count a LOCALIZER accepts besides HEAD: the four weight layers below its
 * tap (MobileNetV2-1.4's block 12 and block 13's expansion, `ml/localizer/backboneTail.ts`).
 */
export const LOCALIZER_TAIL_LAYERS = 4;

/**
 * LOCALIZER's measured recipe, used for the fields a LOCALIZER run omits: the MobileNetV2-1.4 map
 * at 320 px, per-cell MLP trained with Adam 2e-3 and L2 1e-4, 32 images a step, no augmentation
 * (the cell labels come from the boxes as they are), 8 epochs: the head alone for the first 4, the
 * backbone's top {@link LOCALIZER_TAIL_LAYERS} layers with it for the last 4. bench:quality on two
 * training seeds: real-photo macro-F1 0.399 / 0.365 against 0.348 / 0.341 with the frozen backbone
 * and 12 epochs, held-out generated 0.829 / 0.795 against 0.801 / 0.806, at ~1.5× the training time.
 */
export const localizerDefaults: Readonly<Omit<Hyperparameters, "seed">> = Object.freeze<
  Omit<Hyperparameters, "seed">
>({
  architecture: "LOCALIZER",
  pretrained: true,
  trainableLayers: LOCALIZER_TAIL_LAYERS,
  imageSize: 320,
  batchSize: 32,
  epochs: 8,
  optimizer: "ADAM",
  learningRate: 0.002,
  weightDecay: 0.0001,
  augmentations: [],
  lossWeighting: "NONE",
});

/** Smallest input each architecture accepts (AlexNet-lite's valid-padding layers need 96). */
export const MIN_IMAGE_SIZE: Record<Architecture, number> = {
  ALEXNET_LITE: 96,
  RESNET18_V2: 64,
  MOBILENET_V2: 32,
  LOCALIZER: 64,
};
export const MAX_IMAGE_SIZE = 512;

function fail(field: string, message: string): never {
  throw new ValidationError(`hyperparameters.${field} ${message}`, { field });
}

function requireInteger(field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(field, `must be an integer in [${min}, ${max}], got ${value}`);
  }
}

function requireOneOf<T extends string>(field: string, value: string, allowed: readonly T[]): void {
  if (!(allowed as readonly string[]).includes(value)) {
    fail(field, `must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
  }
}

/**
 * Fills defaults for missing fields (a partial API input → a complete set): the article's, or
 * {@link localizerDefaults} when the architecture is LOCALIZER.
 */
export function withDefaults(partial: Partial<Hyperparameters>): Hyperparameters {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
  const base =
    defined.architecture === "LOCALIZER"
      ? { ...defaultHyperparameters, ...localizerDefaults }
      : defaultHyperparameters;
  return { ...base, augmentations: [...base.augmentations], ...defined };
}

/**
 * Checks a complete set of hyperparameters for a dataset of `classCount` classes; throws a
 * `ValidationError` whose `details.field` names the first bad field. Pure.
 */
export function validateHyperparameters(h: Hyperparameters, classCount?: number): Hyperparameters {
  requireOneOf("architecture", h.architecture, ARCHITECTURES);
  requireOneOf("optimizer", h.optimizer, OPTIMIZERS);
  requireOneOf("lossWeighting", h.lossWeighting, LOSS_WEIGHTINGS);
  if (typeof h.pretrained !== "boolean") fail("pretrained", "must be a boolean");
  if (h.architecture === "ALEXNET_LITE" && h.pretrained) {
    fail("pretrained", "is not available for ALEXNET_LITE (no published weights); train it from scratch");
  }
  requireInteger("imageSize", h.imageSize, MIN_IMAGE_SIZE[h.architecture], MAX_IMAGE_SIZE);
  requireInteger("batchSize", h.batchSize, 1, 1024);
  requireInteger("epochs", h.epochs, 1, 1000);
  if (!(h.learningRate > 0 && h.learningRate <= 10))
    fail("learningRate", `must be in (0, 10], got ${h.learningRate}`);
  if (!(h.weightDecay >= 0 && h.weightDecay < 1))
    fail("weightDecay", `must be in [0, 1), got ${h.weightDecay}`);
  if (h.trainableLayers !== "HEAD" && h.trainableLayers !== "ALL") {
    requireInteger("trainableLayers", h.trainableLayers, 1, 1000);
  }
  if (h.architecture === "MOBILENET_V2" && !h.pretrained) {
    fail("pretrained", "must be true for MOBILENET_V2 (its backbone is nsfwjs's pretrained MobileNetV2)");
  }
  if (h.architecture === "MOBILENET_V2" && h.trainableLayers !== "HEAD") {
    // wasm lacks depthwise-conv gradients, so the backbone stays frozen and only the head trains.
    fail(
      "trainableLayers",
      "must be HEAD for MOBILENET_V2 (the backbone is frozen; its features are cached)",
    );
  }
  if (h.architecture === "LOCALIZER") {
    if (!h.pretrained)
      fail("pretrained", "must be true for LOCALIZER (its backbone is the pretrained MobileNetV2-1.4)");
    if (h.trainableLayers !== "HEAD" && h.trainableLayers !== LOCALIZER_TAIL_LAYERS)
      fail(
        "trainableLayers",
        `must be HEAD (frozen backbone) or ${LOCALIZER_TAIL_LAYERS} (block 12 and block 13's expansion fine-tuned) for LOCALIZER`,
      );
    if (Array.isArray(h.augmentations) && h.augmentations.some((a) => a !== "COPY_PASTE"))
      fail(
        "augmentations",
        "may only hold COPY_PASTE for LOCALIZER (cell labels come from the boxes as they are)",
      );
  } else if (Array.isArray(h.augmentations) && h.augmentations.includes("COPY_PASTE")) {
    fail("augmentations", "COPY_PASTE needs logo boxes and is only for LOCALIZER");
  }
  if (!Array.isArray(h.augmentations)) fail("augmentations", "must be a list");
  for (const augmentation of h.augmentations) requireOneOf("augmentations", augmentation, AUGMENTATIONS);
  if (new Set(h.augmentations).size !== h.augmentations.length)
    fail("augmentations", "must not repeat an entry");
  if (h.augmentations.includes("RANDOM_CROP") && h.augmentations.includes("RANDOM_RESIZED_CROP")) {
    fail("augmentations", "may hold only one of RANDOM_CROP and RANDOM_RESIZED_CROP");
  }
  if (h.lossWeighting === "CUSTOM") {
    const weights = h.classWeights;
    if (!Array.isArray(weights) || weights.length === 0)
      fail("classWeights", "are required for CUSTOM weighting");
    if (weights.some((w) => !(Number.isFinite(w) && w >= 0)) || !weights.some((w) => w > 0)) {
      fail("classWeights", "must be finite, non-negative and not all zero");
    }
    if (classCount !== undefined && weights.length !== classCount) {
      fail("classWeights", `must have one weight per class (${classCount}), got ${weights.length}`);
    }
  }
  if (h.effectiveNumberBeta !== undefined && !(h.effectiveNumberBeta > 0 && h.effectiveNumberBeta < 1)) {
    fail("effectiveNumberBeta", `must be in (0, 1), got ${h.effectiveNumberBeta}`);
  }
  requireInteger("seed", h.seed, 0, 2 ** 32 - 1);
  return h;
}

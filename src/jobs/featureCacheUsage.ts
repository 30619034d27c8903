import type { FeatureCacheKey } from "../ml/featureCache";
import type { Hyperparameters } from "../ml/hyperparameters";

/**
 * Which feature-cache entries a run reads, so deleting runs removes the entries no remaining run
 * reads. Matching ignores the backbone taps and view count (fixed by the code, not stored on the
 * run): it can keep an entry too many, never remove one a run still reads. Pure.
 */

/** What a run's use of one cache entry is known by. */
export interface FeatureCacheUse {
  datasetVersion: string;
  imageSize: number;
  split: string;
  /** Training split only: the augmentation draws depend on these. */
  augmentations?: readonly string[];
  seed?: number;
}

/** The entries a run with these hyperparameters reads on a dataset of `datasetVersion` (content hash). */
export function featureCacheUsesOf(
  hyperparameters: Hyperparameters,
  datasetVersion: string,
): FeatureCacheUse[] {
  const { imageSize, augmentations, seed } = hyperparameters;
  // LOCALIZER maps every split once, without augmentation (ml/localizer/trainLocalizer.ts).
  if (hyperparameters.architecture === "LOCALIZER") {
    return ["train", "validation", "test"].map((split) => ({ datasetVersion, imageSize, split }));
  }
  // Otherwise only head-only MOBILENET_V2 runs embed through the feature cache (ml/trainingTask.ts).
  if (hyperparameters.architecture !== "MOBILENET_V2") return [];
  return [
    { datasetVersion, imageSize, split: "train", augmentations, seed },
    { datasetVersion, imageSize, split: "validation" },
    { datasetVersion, imageSize, split: "test" },
  ];
}

/** Whether the entry stored under `key` is the one `use` reads. */
export function isEntryOf(key: FeatureCacheKey, use: FeatureCacheUse): boolean {
  if (
    key.datasetVersion !== use.datasetVersion ||
    key.imageSize !== use.imageSize ||
    key.split !== use.split
  ) {
    return false;
  }
  if (use.augmentations === undefined) return true;
  return key.seed === use.seed && JSON.stringify(key.augmentations) === JSON.stringify(use.augmentations);
}

/**
 * The keys to remove: entries some deleted use read (`wasUsed`) that no remaining use reads.
 */
export function unusedEntries(
  keys: readonly FeatureCacheKey[],
  wasUsed: (key: FeatureCacheKey) => boolean,
  remainingUses: readonly FeatureCacheUse[],
): FeatureCacheKey[] {
  return keys.filter((key) => wasUsed(key) && !remainingUses.some((use) => isEntryOf(key, use)));
}

import { ValidationError } from "../errors";
import type { CheckpointManifest } from "./checkpoint";
import { decide } from "./evaluate";
import { isLogoImage, NO_LOGO_LABEL } from "./noLogoThreshold";

/** One label and its probability. */
export interface LabelProbability {
  label: string;
  probability: number;
}

/** A rectangle in an image's pixels (of the EXIF-rotated image as people see it). */
export interface ImageBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What a classification returns (API.md `Classification` less `modelVersion`'s run id and `latencyMs`). */
export interface ClassificationOutput {
  /** The decision: the checkpoint's no-logo threshold applied, else the most probable label. */
  label: string;
  /** The model's probability of `label`. */
  probability: number;
  isLogo: boolean;
  /** The `topK` most probable labels, most probable first (raw probabilities, no threshold). */
  topK: LabelProbability[];
  /** Where the logo was found; null when the model does not localize or the answer is no-logo. */
  box: ImageBox | null;
  /** sha256 of the checkpoint's `weights.bin`: with the run id, the model version. */
  weightsSha256: string;
}

/** Numbers per image in an engine's output: the class scores, plus a box (4 fractions) for LOCALIZER. */
export function outputWidthOf(manifest: Pick<CheckpointManifest, "labels" | "architecture">): number {
  return manifest.labels.length + (manifest.architecture === "LOCALIZER" ? 4 : 0);
}

/**
 * The box of a LOCALIZER output row (after its class scores) in pixels of the `width × height`
 * original; null for other models.
 */
export function boxOfOutput(
  row: ArrayLike<number>,
  manifest: Pick<CheckpointManifest, "labels" | "architecture">,
  width: number,
  height: number,
): ImageBox | null {
  if (manifest.architecture !== "LOCALIZER") return null;
  const at = manifest.labels.length;
  return {
    x: row[at] * width,
    y: row[at + 1] * height,
    width: row[at + 2] * width,
    height: row[at + 3] * height,
  };
}

/** Throws a `ValidationError` (field `topK`) unless `topK` is a positive integer. */
export function validateTopK(topK: number): void {
  if (!Number.isInteger(topK) || topK < 1) {
    throw new ValidationError(`topK must be a positive integer, got ${topK}`, { field: "topK" });
  }
}

/**
 * Turns one image's class probabilities `[classCount]` (manifest label order) into the output:
 * decision, isLogo, the top `topK` labels (at most all classes), and `box` when the model located
 * the logo and the decision is a brand.
 */
export function toClassificationOutput(
  probabilities: ArrayLike<number>,
  manifest: Pick<CheckpointManifest, "labels" | "noLogoThreshold" | "weightsSha256">,
  topK: number,
  box: ImageBox | null = null,
): ClassificationOutput {
  const { labels, noLogoThreshold, weightsSha256 } = manifest;
  const noLogoIndex = labels.indexOf(NO_LOGO_LABEL);
  const [decision] = decide(
    probabilities,
    labels.length,
    noLogoIndex < 0 ? undefined : noLogoIndex,
    noLogoThreshold,
  );
  const ranked = labels
    .map((label, c) => ({ label, probability: probabilities[c] }))
    .sort((a, b) => b.probability - a.probability);
  return {
    label: labels[decision],
    probability: probabilities[decision],
    isLogo: isLogoImage(probabilities, noLogoIndex, noLogoThreshold),
    topK: ranked.slice(0, Math.min(topK, labels.length)),
    box: labels[decision] === NO_LOGO_LABEL ? null : box,
    weightsSha256,
  };
}

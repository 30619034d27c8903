import type { Augmentation } from "./hyperparameters";
import type { CropRegion, RenderPlan } from "./images";
import type { Random } from "./random";

/** Side fraction kept by a crop: the article resizes to 8/7 of the input and crops back (224 of 256). */
export const CROP_FRACTION = 7 / 8;
/** Range of the area fraction drawn by RANDOM_RESIZED_CROP (wider than 0.08: logos must stay in view). */
export const RESIZED_CROP_AREA: readonly [number, number] = [0.25, 1];
export const RESIZED_CROP_ASPECT: readonly [number, number] = [3 / 4, 4 / 3];
/** COLOR_JITTER draws brightness, saturation and contrast multipliers in 1 ± this. */
export const COLOR_JITTER_STRENGTH = 0.2;
export const FLIP_PROBABILITY = 0.5;

function clampRegion(region: CropRegion, width: number, height: number): CropRegion {
  const w = Math.max(1, Math.min(width, Math.round(region.width)));
  const h = Math.max(1, Math.min(height, Math.round(region.height)));
  return {
    left: Math.max(0, Math.min(width - w, Math.round(region.left))),
    top: Math.max(0, Math.min(height - h, Math.round(region.top))),
    width: w,
    height: h,
  };
}

/** The central {@link CROP_FRACTION} of a `width × height` image (evaluation's center crop). */
export function centerCrop(width: number, height: number): CropRegion {
  const w = width * CROP_FRACTION;
  const h = height * CROP_FRACTION;
  return clampRegion({ left: (width - w) / 2, top: (height - h) / 2, width: w, height: h }, width, height);
}

/** The plan for validation, test and inference: center crop, nothing random. */
export function evaluationPlan(width: number, height: number): RenderPlan {
  return { crop: centerCrop(width, height), isFlipped: false, brightness: 1, saturation: 1, contrast: 1 };
}

/** The whole image, nothing random: the view localizing models see (boxes map back linearly). */
export function fullImagePlan(width: number, height: number): RenderPlan {
  return {
    crop: { left: 0, top: 0, width, height },
    isFlipped: false,
    brightness: 1,
    saturation: 1,
    contrast: 1,
  };
}

function randomCrop(width: number, height: number, random: Random): CropRegion {
  const w = width * CROP_FRACTION;
  const h = height * CROP_FRACTION;
  return clampRegion(
    { left: random.uniform(0, width - w), top: random.uniform(0, height - h), width: w, height: h },
    width,
    height,
  );
}

function randomResizedCrop(width: number, height: number, random: Random): CropRegion {
  const area = width * height * random.uniform(RESIZED_CROP_AREA[0], RESIZED_CROP_AREA[1]);
  const logAspect = random.uniform(Math.log(RESIZED_CROP_ASPECT[0]), Math.log(RESIZED_CROP_ASPECT[1]));
  const w = Math.min(width, Math.sqrt(area * Math.exp(logAspect)));
  const h = Math.min(height, Math.sqrt(area / Math.exp(logAspect)));
  return clampRegion(
    { left: random.uniform(0, width - w), top: random.uniform(0, height - h), width: w, height: h },
    width,
    height,
  );
}

/**
 * Draws a training plan for a `width × height` image: the enabled augmentations, each consuming the
 * same number of draws whatever the outcome, so a seed gives the same plan for the same image.
 */
export function drawTrainingPlan(
  width: number,
  height: number,
  augmentations: readonly Augmentation[],
  random: Random,
): RenderPlan {
  const plan = evaluationPlan(width, height);
  if (augmentations.includes("RANDOM_CROP")) plan.crop = randomCrop(width, height, random);
  if (augmentations.includes("RANDOM_RESIZED_CROP")) plan.crop = randomResizedCrop(width, height, random);
  if (augmentations.includes("HORIZONTAL_FLIP")) plan.isFlipped = random.chance(FLIP_PROBABILITY);
  if (augmentations.includes("COLOR_JITTER")) {
    const s = COLOR_JITTER_STRENGTH;
    plan.brightness = random.uniform(1 - s, 1 + s);
    plan.saturation = random.uniform(1 - s, 1 + s);
    plan.contrast = random.uniform(1 - s, 1 + s);
  }
  return plan;
}

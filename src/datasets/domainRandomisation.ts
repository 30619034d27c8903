import { RANDOMISATION_ELEMENTS, type RandomisationElement } from "../vocabulary";
import { SeededRandom } from "./seededRandom";

export { RANDOMISATION_ELEMENTS, type RandomisationElement };

/** Which elements are on (every element is a key). */
export type Randomisation = Record<RandomisationElement, boolean>;

/** The generator's defaults: every element on. */
export const DEFAULT_RANDOMISATION: Randomisation = Object.fromEntries(
  RANDOMISATION_ELEMENTS.map((e) => [e, true]),
) as Randomisation;

/** Every element off: the generator as it was before domain randomisation. */
export const NO_RANDOMISATION: Randomisation = Object.fromEntries(
  RANDOMISATION_ELEMENTS.map((e) => [e, false]),
) as Randomisation;

/** A randomisation with exactly `elements` on. */
export function randomisationOf(elements: readonly RandomisationElement[]): Randomisation {
  return Object.fromEntries(RANDOMISATION_ELEMENTS.map((e) => [e, elements.includes(e)])) as Randomisation;
}

/** The elements that are on, in catalogue order. */
export function elementsOf(randomisation: Randomisation): RandomisationElement[] {
  return RANDOMISATION_ELEMENTS.filter((e) => randomisation[e]);
}

/** A cylinder wrap: `curvature` is the half-angle (rad) of the visible arc; `axis` the cylinder's. */
export interface SurfaceCurvature {
  curvature: number;
  axis: "vertical" | "horizontal";
}

/** Light across a logo: a linear gradient and an optional specular band. */
export interface Lighting {
  /** Direction of the gradient (rad) and how much darker its dark end is (0–0.45). */
  gradientAngle: number;
  gradientStrength: number;
  /** A bright band across the logo: centre (0–1 along the gradient), width (fraction), strength. */
  highlight: { centre: number; width: number; strength: number } | null;
}

/** Per-logo draws of the surface and lighting elements (null: flat, unlit). */
export interface LogoSurface {
  curvature: SurfaceCurvature | null;
  lighting: Lighting | null;
}

/** One earlier encoding of a recompression chain. */
export interface Encoding {
  format: "jpeg" | "webp";
  quality: number;
}

/** Image-wide draws of the photographic elements (null or empty: not applied to this image). */
export interface PhotoEffects {
  motionBlur: { length: number; angle: number } | null;
  sensorNoise: { sigma: number; chroma: number; seed: string } | null;
  whiteBalance: { temperature: number; tint: number } | null;
  /** Fraction of the output size the "original" had before it was upscaled. */
  lowResolution: number | null;
  recompression: Encoding[];
}

/** How often each element applies to an image (or to a logo) when it is on. */
export const ELEMENT_RATES = {
  SURFACE_CURVATURE: 0.35,
  LIGHTING: 0.5,
  EDGE_CROPS: 0.1,
  HARD_NEGATIVES: 0.45,
  MOTION_BLUR: 0.12,
  SENSOR_NOISE: 0.4,
  WHITE_BALANCE: 0.5,
  LOW_RESOLUTION: 0.12,
  RECOMPRESSION: 0.35,
} as const;

/** Declared ranges of every drawn value (tests check the draws stay inside). */
export const ELEMENT_RANGES = {
  curvature: [0.4, 1.3],
  gradientStrength: [0.1, 0.45],
  highlightStrength: [0.15, 0.5],
  highlightWidth: [0.08, 0.3],
  edgeOutside: [0.1, 0.4],
  hardNegativeCount: [1, 2],
  motionBlurLength: [3, 11],
  noiseSigma: [2, 10],
  temperature: [-0.15, 0.15],
  tint: [-0.06, 0.06],
  lowResolution: [0.3, 0.6],
  recompressionQuality: [30, 85],
} as const;

/** The random stream of one element for one image: independent of every other element's. */
export function elementRandom(imageKey: string, element: RandomisationElement): SeededRandom {
  return new SeededRandom(`${imageKey}:dr:${element}`);
}

/** Draws the surface and lighting of each of `logoCount` logos of an image. */
export function planLogoSurfaces(
  imageKey: string,
  randomisation: Randomisation,
  logoCount: number,
): LogoSurface[] {
  const curve = elementRandom(imageKey, "SURFACE_CURVATURE");
  const light = elementRandom(imageKey, "LIGHTING");
  const r = ELEMENT_RANGES;
  return Array.from({ length: logoCount }, () => {
    const curvature =
      randomisation.SURFACE_CURVATURE && curve.chance(ELEMENT_RATES.SURFACE_CURVATURE)
        ? {
            curvature: curve.range(r.curvature[0], r.curvature[1]),
            axis: curve.chance(0.8) ? ("vertical" as const) : ("horizontal" as const),
          }
        : null;
    const lighting =
      randomisation.LIGHTING && light.chance(ELEMENT_RATES.LIGHTING)
        ? {
            gradientAngle: light.range(0, 2 * Math.PI),
            gradientStrength: light.range(r.gradientStrength[0], r.gradientStrength[1]),
            highlight: light.chance(0.5)
              ? {
                  centre: light.range(0.2, 0.8),
                  width: light.range(r.highlightWidth[0], r.highlightWidth[1]),
                  strength: light.range(r.highlightStrength[0], r.highlightStrength[1]),
                }
              : null,
          }
        : null;
    return { curvature, lighting };
  });
}

/** Draws the image-wide photographic effects. */
export function planPhotoEffects(imageKey: string, randomisation: Randomisation): PhotoEffects {
  const r = ELEMENT_RANGES;
  const rate = ELEMENT_RATES;
  const draw = <T>(element: RandomisationElement & keyof typeof rate, make: (rng: SeededRandom) => T) => {
    const rng = elementRandom(imageKey, element);
    return randomisation[element] && rng.chance(rate[element]) ? make(rng) : null;
  };
  return {
    motionBlur: draw("MOTION_BLUR", (rng) => ({
      length: rng.int(r.motionBlurLength[0], r.motionBlurLength[1]),
      angle: rng.range(0, Math.PI),
    })),
    sensorNoise: draw("SENSOR_NOISE", (rng) => ({
      sigma: rng.range(r.noiseSigma[0], r.noiseSigma[1]),
      chroma: rng.range(0, 0.5),
      seed: `${imageKey}:noise`,
    })),
    whiteBalance: draw("WHITE_BALANCE", (rng) => ({
      temperature: rng.range(r.temperature[0], r.temperature[1]),
      tint: rng.range(r.tint[0], r.tint[1]),
    })),
    lowResolution: draw("LOW_RESOLUTION", (rng) => rng.range(r.lowResolution[0], r.lowResolution[1])),
    recompression:
      draw("RECOMPRESSION", (rng) =>
        Array.from({ length: rng.int(1, 2) }, () => ({
          format: rng.chance(0.5) ? ("jpeg" as const) : ("webp" as const),
          quality: rng.int(r.recompressionQuality[0], r.recompressionQuality[1]),
        })),
      ) ?? [],
  };
}

/** The names of the elements a plan actually applied (recorded per image in the manifest). */
export function appliedEffects(
  surfaces: readonly LogoSurface[],
  effects: PhotoEffects,
  extras: { edgeCropped: boolean; hardNegatives: number; alternateMark: boolean },
): RandomisationElement[] {
  const applied = new Set<RandomisationElement>();
  if (extras.alternateMark) applied.add("BRAND_MARKS");
  if (surfaces.some((s) => s.curvature)) applied.add("SURFACE_CURVATURE");
  if (surfaces.some((s) => s.lighting)) applied.add("LIGHTING");
  if (extras.edgeCropped) applied.add("EDGE_CROPS");
  if (extras.hardNegatives > 0) applied.add("HARD_NEGATIVES");
  if (effects.motionBlur) applied.add("MOTION_BLUR");
  if (effects.sensorNoise) applied.add("SENSOR_NOISE");
  if (effects.whiteBalance) applied.add("WHITE_BALANCE");
  if (effects.lowResolution !== null) applied.add("LOW_RESOLUTION");
  if (effects.recompression.length > 0) applied.add("RECOMPRESSION");
  return RANDOMISATION_ELEMENTS.filter((e) => applied.has(e));
}

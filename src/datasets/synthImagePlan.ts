import type { ColourJitter } from "./colourJitter";
import type { BoundingBox } from "./datasetManifest";
import {
  ELEMENT_RANGES,
  ELEMENT_RATES,
  NO_RANDOMISATION,
  appliedEffects,
  elementRandom,
  planLogoSurfaces,
  planPhotoEffects,
  type LogoSurface,
  type PhotoEffects,
  type Randomisation,
  type RandomisationElement,
} from "./domainRandomisation";
import type { Point } from "./perspectiveWarp";
import type { SeededRandom } from "./seededRandom";

/** Output image sizes (width × height, px), landscape and portrait like Flickr photos. */
export const OUTPUT_SIZES: readonly (readonly [number, number])[] = [
  [512, 384],
  [384, 512],
  [512, 342],
  [448, 448],
  [512, 288],
];

/** Logo long side as a fraction of the image's short side. */
export const LOGO_SCALE_RANGE = [0.08, 0.6] as const;
/** JPEG quality range (inclusive). */
export const JPEG_QUALITY_RANGE = [35, 95] as const;

/** A rectangle of a background photo, in its pixels. */
export interface CropRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A sprite (logo, plate or clutter graphic) warped onto four corners: TL, TR, BR, BL. */
export interface SpritePlacement {
  corners: Point[];
  /** RGB multipliers (colour jitter of this sprite). */
  tint: [number, number, number];
  opacity: number;
}

/** One pasted logo: optionally on a plate (sign), optionally recoloured to one colour. */
export interface LogoPlacement extends SpritePlacement {
  /** Which of the brand's marks (0: its primary artwork; others with `BRAND_MARKS`). */
  mark: number;
  /** One-colour rendering (`[r, g, b]`) instead of the artwork's colours. */
  monoColour: [number, number, number] | null;
  plate: { corners: Point[]; colour: [number, number, number] } | null;
  /** Curved surface and lighting (domain randomisation; null fields: flat and unlit). */
  surface: LogoSurface;
}

/** A clutter graphic, by index into the clutter pool. */
export interface ClutterPlacement extends SpritePlacement {
  spriteIndex: number;
}

/** Everything random about one synthetic image; rendering it is deterministic. */
export interface SyntheticImagePlan {
  width: number;
  height: number;
  background: { file: string; crop: CropRect };
  /** Brand class of the logos, or null for a no-logo image. */
  className: string | null;
  /** Graphics pasted before the logos. */
  clutter: ClutterPlacement[];
  logos: LogoPlacement[];
  /** Graphics pasted over part of a logo. */
  occluders: ClutterPlacement[];
  /** Other brands' marks (indexes into the hard-negative pool), pasted before the logos. */
  hardNegatives: ClutterPlacement[];
  colourJitter: ColourJitter;
  blurSigma: number | null;
  /** The photographic domain-randomisation effects drawn for this image. */
  effects: PhotoEffects;
  /** The randomisation elements this image shows (recorded in the manifest). */
  applied: RandomisationElement[];
  jpegQuality: number;
}

/** What the planner needs to know about the resources. */
export interface PlanContext {
  backgrounds: readonly { file: string; width: number; height: number }[];
  /** Width / height of mark `mark` of a brand (0: its primary artwork). */
  logoAspect: (className: string, mark: number) => number;
  /** How many marks a brand has (1 when none is known beyond its primary artwork). */
  markCount?: (className: string) => number;
  /** The ground colour a brand's mark is always printed on (its own colourway), or null. */
  markGround?: (className: string, mark: number) => [number, number, number] | null;
  clutterAspects: readonly number[];
  /** 0, 1 or 2: background crops of split k start at x ≡ k (mod 3), so splits never share a crop. */
  splitResidue: number;
  /** Domain-randomisation elements that are on (default: none, the original generator). */
  randomisation?: Randomisation;
  /** Width / height of each hard-negative mark (the `hardNegatives` element draws from these). */
  hardNegativeAspects?: readonly number[];
}

/**
 * Real photos' logo statistics (boxes of Flickr photos of logos, FlickrLogos-27 style): the long
 * side of a box over the image's short side has median 0.38 (quartiles 0.15 and 0.84) — roughly
 * log-normal with log-mean −1.0 and log-sd 0.98; box centres cluster around the middle (10th–90th
 * percentile 0.21–0.78 of each axis); 84 % of images show one logo, 9 % two, 4 % three.
 */
export const REAL_PHOTO_PLACEMENT = {
  logLongSideMean: -1.0,
  logLongSideSd: 0.98,
  longSideRange: [0.06, 1.1],
  centreSd: 0.21,
  countShares: [
    [1, 0.84],
    [2, 0.09],
    [3, 0.04],
    [4, 0.03],
  ],
} as const;

function gaussian(rng: SeededRandom): number {
  const u = Math.max(1e-12, rng.next());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** How many logos an image shows, drawn from real photos' shares. */
export function realisticLogoCount(rng: SeededRandom): number {
  let u = rng.next();
  for (const [count, share] of REAL_PHOTO_PLACEMENT.countShares) {
    if (u < share) return count;
    u -= share;
  }
  return 1;
}

/** A logo's long side over the image's short side, drawn from real photos' (clamped) distribution. */
export function realisticLogoScale(rng: SeededRandom): number {
  const p = REAL_PHOTO_PLACEMENT;
  const scale = Math.exp(p.logLongSideMean + p.logLongSideSd * gaussian(rng));
  return Math.max(p.longSideRange[0], Math.min(p.longSideRange[1], scale));
}

/** A logo centre as fractions of the image: near the middle, as in real photos. */
export function realisticCentre(rng: SeededRandom): Point {
  const axis = () => Math.max(0.05, Math.min(0.95, 0.5 + REAL_PHOTO_PLACEMENT.centreSd * gaussian(rng)));
  return { x: axis(), y: axis() };
}

/**
 * Picks a crop of aspect `aspect` with x ≡ residue (mod 3). Crops cover 35–100 % of the largest
 * crop of that aspect, so the same photo yields many different views.
 */
export function planCrop(
  rng: SeededRandom,
  photo: { width: number; height: number },
  aspect: number,
  residue: number,
): CropRect {
  const maxWidth = Math.min(photo.width - 2, photo.height * aspect);
  const width = Math.max(16, Math.round(maxWidth * rng.range(0.35, 1)));
  const height = Math.max(12, Math.min(photo.height, Math.round(width / aspect)));
  const slots = Math.floor((photo.width - width - residue) / 3);
  const x = 3 * rng.int(0, Math.max(0, slots)) + residue;
  const y = rng.int(0, Math.max(0, photo.height - height));
  return { x, y, width, height };
}

function rotate(p: Point, angle: number): Point {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return { x: p.x * c - p.y * s, y: p.x * s + p.y * c };
}

/**
 * Corners (TL, TR, BR, BL) of a `width × height` sprite rotated by `angle`, with each corner
 * nudged by up to `perspective` × its size (a perspective warp), centred at `centre`.
 */
function quad(
  rng: SeededRandom,
  width: number,
  height: number,
  angle: number,
  perspective: number,
  centre: Point,
): Point[] {
  const size = Math.max(width, height);
  const base = [
    { x: -width / 2, y: -height / 2 },
    { x: width / 2, y: -height / 2 },
    { x: width / 2, y: height / 2 },
    { x: -width / 2, y: height / 2 },
  ];
  return base.map((p) => {
    const r = rotate(p, angle);
    return {
      x: centre.x + r.x + rng.range(-perspective, perspective) * size,
      y: centre.y + r.y + rng.range(-perspective, perspective) * size,
    };
  });
}

function boundsOf(points: readonly Point[]): BoundingBox {
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return { x, y, width: Math.max(...xs) - x, height: Math.max(...ys) - y };
}

function overlaps(a: BoundingBox, b: BoundingBox): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Moves a quad inside the image (or null when it cannot fit). */
function fitInside(points: Point[], width: number, height: number): Point[] | null {
  const b = boundsOf(points);
  if (b.width > width - 2 || b.height > height - 2) return null;
  const dx = b.x < 1 ? 1 - b.x : b.x + b.width > width - 1 ? width - 1 - (b.x + b.width) : 0;
  const dy = b.y < 1 ? 1 - b.y : b.y + b.height > height - 1 ? height - 1 - (b.y + b.height) : 0;
  return points.map((p) => ({ x: p.x + dx, y: p.y + dy }));
}

function tint(rng: SeededRandom, spread: number): [number, number, number] {
  const brightness = rng.range(0.75, 1.1);
  return [0, 1, 2].map(() => brightness * rng.range(1 - spread, 1 + spread)) as [number, number, number];
}

/** Places a sprite of aspect `aspect` whose long side is `longSide` px, avoiding `avoid` boxes. */
function placeSprite(
  rng: SeededRandom,
  imageWidth: number,
  imageHeight: number,
  aspect: number,
  longSide: number,
  avoid: readonly BoundingBox[],
  perspective: number,
  /** Draws the centre (fractions of the image) instead of a uniform one. */
  centreOf?: () => Point,
): Point[] | null {
  for (let attempt = 0; attempt < 12; attempt++) {
    const side = longSide * (attempt < 6 ? 1 : 0.7);
    const width = aspect >= 1 ? side : side * aspect;
    const height = aspect >= 1 ? side / aspect : side;
    const angle = Math.max(-0.6, Math.min(0.6, (rng.range(-1, 1) + rng.range(-1, 1)) * 0.25));
    const uniform = { x: rng.range(0, imageWidth), y: rng.range(0, imageHeight) };
    const drawn = centreOf?.();
    const centre = drawn ? { x: drawn.x * imageWidth, y: drawn.y * imageHeight } : uniform;
    const fitted = fitInside(quad(rng, width, height, angle, perspective, centre), imageWidth, imageHeight);
    if (fitted !== null && !avoid.some((b) => overlaps(b, boundsOf(fitted)))) return fitted;
  }
  return null;
}

/** Corners of a plate slightly larger than the logo quad (same centre, ~14 % margin). */
function plateAround(corners: readonly Point[], margin: number): Point[] {
  const cx = corners.reduce((s, p) => s + p.x, 0) / 4;
  const cy = corners.reduce((s, p) => s + p.y, 0) / 4;
  return corners.map((p) => ({ x: cx + (p.x - cx) * (1 + margin), y: cy + (p.y - cy) * (1 + margin) }));
}

const BLACK_WHITE_OR_GREY: readonly [number, number, number][] = [
  [255, 255, 255],
  [20, 20, 20],
  [235, 235, 230],
  [60, 60, 70],
];

/**
 * Moves a logo quad so it sticks out of the image by `outside` (fraction of its size) across the
 * side nearest its centre: the frame cuts it, as in photos where a sign runs off the edge.
 */
function pushOverEdge(corners: readonly Point[], width: number, height: number, outside: number): Point[] {
  const b = boundsOf(corners);
  const cx = b.x + b.width / 2;
  const cy = b.y + b.height / 2;
  const distances = [cx, width - cx, cy, height - cy];
  const side = distances.indexOf(Math.min(...distances));
  const dx =
    side === 0 ? -b.x - outside * b.width : side === 1 ? width - (b.x + b.width) + outside * b.width : 0;
  const dy =
    side === 2 ? -b.y - outside * b.height : side === 3 ? height - (b.y + b.height) + outside * b.height : 0;
  return corners.map((p) => ({ x: p.x + dx, y: p.y + dy }));
}

const FLAT: LogoSurface = { curvature: null, lighting: null };

/** A plate's margin around its logo, as a fraction of the logo's size. */
const PLATE_MARGIN = 0.28;

/**
 * Which of a brand's `markCount` marks an image shows (`BRAND_MARKS`), uniformly from the
 * element's own stream: every logo of the image shows the same mark, as one ad or sign does.
 */
export function planBrandMark(imageKey: string, markCount: number): number {
  return elementRandom(imageKey, "BRAND_MARKS").int(0, Math.max(0, markCount - 1));
}

function planLogos(
  rng: SeededRandom,
  ctx: PlanContext,
  className: string,
  width: number,
  height: number,
  imageKey: string,
): { logos: LogoPlacement[]; isEdgeCropped: boolean; placedBoxes: BoundingBox[] } {
  const randomisation = ctx.randomisation ?? NO_RANDOMISATION;
  const real = randomisation.REALISTIC_PLACEMENT ? elementRandom(imageKey, "REALISTIC_PLACEMENT") : null;
  const edge = randomisation.EDGE_CROPS ? elementRandom(imageKey, "EDGE_CROPS") : null;
  const mark = randomisation.BRAND_MARKS ? planBrandMark(imageKey, ctx.markCount?.(className) ?? 1) : 0;
  const aspect = ctx.logoAspect(className, mark);
  const ground = ctx.markGround?.(className, mark) ?? null;
  const shortSide = Math.min(width, height);
  // The original draws are made whatever the elements, so switching one leaves the rest unchanged.
  const originalCount = rng.chance(0.2) ? rng.int(2, 3) : 1;
  const count = real ? realisticLogoCount(real) : originalCount;
  const cropIndex = edge?.chance(ELEMENT_RATES.EDGE_CROPS) ? 0 : -1;
  const outside = edge?.range(ELEMENT_RANGES.edgeOutside[0], ELEMENT_RANGES.edgeOutside[1]) ?? 0;
  const logos: LogoPlacement[] = [];
  const taken: BoundingBox[] = [];
  const [minScale, maxScale] = LOGO_SCALE_RANGE;
  let isEdgeCropped = false;
  for (let i = 0; i < count; i++) {
    const upper = count > 1 ? 0.35 : maxScale;
    const originalScale = rng.range(minScale, upper);
    const scale = real ? Math.min(realisticLogoScale(real), count > 1 ? 0.5 : Infinity) : originalScale;
    const hasPlate = rng.chance(0.35) || ground !== null;
    const margin = hasPlate ? PLATE_MARGIN : 0;
    const centreOf = real ? () => realisticCentre(real) : undefined;
    const placed = placeSprite(
      rng,
      width,
      height,
      aspect,
      scale * shortSide * (1 + margin),
      taken,
      0.1,
      centreOf,
    );
    if (placed === null) continue;
    const isCropped = i === cropIndex;
    const corners = isCropped ? pushOverEdge(placed, width, height, outside) : placed;
    isEdgeCropped ||= isCropped;
    const logoCorners = hasPlate ? plateAround(corners, -margin / (1 + margin)) : corners;
    // A mark in its own colourway keeps its colours and sits on its ground (never one-colour).
    const isMono = rng.chance(0.3) && ground === null;
    const drawnPlateColour = rng.pick(BLACK_WHITE_OR_GREY);
    const plateColour = ground ?? drawnPlateColour;
    const monoColour: [number, number, number] | null = isMono
      ? hasPlate && plateColour[0] > 128
        ? [20, 20, 20]
        : rng.pick(BLACK_WHITE_OR_GREY)
      : null;
    logos.push({
      mark,
      corners: logoCorners,
      tint: tint(rng, 0.1),
      opacity: rng.range(0.85, 1),
      monoColour,
      plate: hasPlate ? { corners, colour: plateColour } : null,
      surface: FLAT,
    });
    taken.push(boundsOf(placed));
  }
  if (logos.length === 0) {
    // Every logo image must show its logo: fall back to a small, upright, plain placement (on its
    // ground when the mark has one).
    for (let side = 0.3 * shortSide; logos.length === 0 && side >= 8; side *= 0.7) {
      const corners = placeSprite(rng, width, height, aspect, side, [], 0.05);
      if (corners !== null) {
        logos.push({
          mark,
          corners: ground === null ? corners : plateAround(corners, -PLATE_MARGIN / (1 + PLATE_MARGIN)),
          tint: [1, 1, 1],
          opacity: 1,
          monoColour: null,
          plate: ground === null ? null : { corners, colour: ground },
          surface: FLAT,
        });
        taken.push(boundsOf(corners));
      }
    }
  }
  const surfaces = planLogoSurfaces(imageKey, randomisation, logos.length);
  return {
    logos: logos.map((logo, i) => ({ ...logo, surface: surfaces[i] })),
    isEdgeCropped,
    // Where the logos were placed before any edge crop moved one: what clutter keeps clear of, so
    // switching edge crops leaves the clutter draws unchanged.
    placedBoxes: taken,
  };
}

function planClutter(
  rng: SeededRandom,
  aspects: readonly number[],
  count: number,
  width: number,
  height: number,
  avoid: BoundingBox[],
): ClutterPlacement[] {
  const placements: ClutterPlacement[] = [];
  const shortSide = Math.min(width, height);
  for (let i = 0; i < count; i++) {
    const spriteIndex = rng.int(0, aspects.length - 1);
    const scale = Math.exp(rng.range(Math.log(0.08), Math.log(0.45)));
    const corners = placeSprite(rng, width, height, aspects[spriteIndex], scale * shortSide, avoid, 0.1);
    if (corners === null) continue;
    placements.push({ spriteIndex, corners, tint: tint(rng, 0.1), opacity: rng.range(0.85, 1) });
    avoid.push(boundsOf(corners));
  }
  return placements;
}

/** An occluder overlapping one edge of a logo, hiding roughly 10–25 % of it. */
function planOccluder(rng: SeededRandom, ctx: PlanContext, logo: LogoPlacement): ClutterPlacement {
  const box = boundsOf(logo.plate?.corners ?? logo.corners);
  const spriteIndex = rng.int(0, ctx.clutterAspects.length - 1);
  const aspect = ctx.clutterAspects[spriteIndex];
  const side = Math.max(box.width, box.height) * rng.range(0.25, 0.45);
  const width = aspect >= 1 ? side : side * aspect;
  const height = aspect >= 1 ? side / aspect : side;
  const centre = {
    x: box.x + (rng.chance(0.5) ? 0 : box.width) + rng.range(-0.15, 0.15) * box.width,
    y: box.y + rng.range(0, 1) * box.height,
  };
  return {
    spriteIndex,
    corners: quad(rng, width, height, rng.range(-0.5, 0.5), 0.05, centre),
    tint: tint(rng, 0.1),
    opacity: 1,
  };
}

/**
 * Plans one image: background crop, clutter, hard negatives, logos of `className` (none when
 * null), occluders, global colour jitter, blur, the photographic effects and JPEG quality. Pure:
 * same rng state and key → same plan. `imageKey` seeds each domain-randomisation element's own
 * stream; with every element off the plan is the original generator's, draw for draw.
 */
export function planSyntheticImage(
  rng: SeededRandom,
  ctx: PlanContext,
  className: string | null,
  imageKey = "",
): SyntheticImagePlan {
  const randomisation = ctx.randomisation ?? NO_RANDOMISATION;
  const [width, height] = rng.pick(OUTPUT_SIZES);
  const photo = rng.pick(ctx.backgrounds);
  const crop = planCrop(rng, photo, width / height, ctx.splitResidue);
  const { logos, isEdgeCropped, placedBoxes } =
    className === null
      ? { logos: [], isEdgeCropped: false, placedBoxes: [] }
      : planLogos(rng, ctx, className, width, height, imageKey);
  const taken = [...placedBoxes];
  const clutterCount =
    className === null ? rng.pick([0, 1, 1, 2, 2, 2, 3, 3, 4]) : rng.pick([0, 0, 1, 1, 1, 2, 2, 3]);
  const clutter = planClutter(rng, ctx.clutterAspects, clutterCount, width, height, taken);
  const occluders = logos.filter(() => rng.chance(0.3)).map((logo) => planOccluder(rng, ctx, logo));
  const colourJitter = {
    brightness: rng.range(0.75, 1.25),
    saturation: rng.range(0.6, 1.4),
    hueDegrees: rng.range(-15, 15),
  };
  const blurSigma = rng.chance(0.35) ? rng.range(0.4, 1.6) : null;
  const jpegQuality = rng.int(JPEG_QUALITY_RANGE[0], JPEG_QUALITY_RANGE[1]);
  const negatives = elementRandom(imageKey, "HARD_NEGATIVES");
  const hardNegativeAspects = ctx.hardNegativeAspects ?? [];
  const hardNegatives =
    randomisation.HARD_NEGATIVES &&
    hardNegativeAspects.length > 0 &&
    negatives.chance(ELEMENT_RATES.HARD_NEGATIVES)
      ? planClutter(
          negatives,
          hardNegativeAspects,
          negatives.int(ELEMENT_RANGES.hardNegativeCount[0], ELEMENT_RANGES.hardNegativeCount[1]),
          width,
          height,
          [...taken],
        )
      : [];
  const effects = planPhotoEffects(imageKey, randomisation);
  return {
    width,
    height,
    background: { file: photo.file, crop },
    className,
    clutter,
    logos,
    occluders,
    hardNegatives,
    colourJitter,
    blurSigma,
    effects,
    applied: appliedEffects(
      logos.map((l) => l.surface),
      effects,
      {
        edgeCropped: isEdgeCropped,
        hardNegatives: hardNegatives.length,
        alternateMark: logos.some((logo) => logo.mark > 0),
      },
    ),
    jpegQuality,
  };
}

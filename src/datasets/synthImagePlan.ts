import type { ColourJitter } from "./colourJitter";
import type { BoundingBox } from "./datasetManifest";
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
  /** One-colour rendering (`[r, g, b]`) instead of the artwork's colours. */
  monoColour: [number, number, number] | null;
  plate: { corners: Point[]; colour: [number, number, number] } | null;
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
  colourJitter: ColourJitter;
  blurSigma: number | null;
  jpegQuality: number;
}

/** What the planner needs to know about the resources. */
export interface PlanContext {
  backgrounds: readonly { file: string; width: number; height: number }[];
  /** Width / height of each brand's artwork. */
  logoAspect: (className: string) => number;
  clutterAspects: readonly number[];
  /** 0, 1 or 2: background crops of split k start at x ≡ k (mod 3), so splits never share a crop. */
  splitResidue: number;
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
): Point[] | null {
  for (let attempt = 0; attempt < 12; attempt++) {
    const side = longSide * (attempt < 6 ? 1 : 0.7);
    const width = aspect >= 1 ? side : side * aspect;
    const height = aspect >= 1 ? side / aspect : side;
    const angle = Math.max(-0.6, Math.min(0.6, (rng.range(-1, 1) + rng.range(-1, 1)) * 0.25));
    const centre = { x: rng.range(0, imageWidth), y: rng.range(0, imageHeight) };
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

function planLogos(
  rng: SeededRandom,
  ctx: PlanContext,
  className: string,
  width: number,
  height: number,
): LogoPlacement[] {
  const shortSide = Math.min(width, height);
  const count = rng.chance(0.2) ? rng.int(2, 3) : 1;
  const logos: LogoPlacement[] = [];
  const taken: BoundingBox[] = [];
  const [minScale, maxScale] = LOGO_SCALE_RANGE;
  for (let i = 0; i < count; i++) {
    const upper = count > 1 ? 0.35 : maxScale;
    const scale = rng.range(minScale, upper);
    const hasPlate = rng.chance(0.35);
    const aspect = ctx.logoAspect(className);
    const margin = hasPlate ? 0.28 : 0;
    const corners = placeSprite(rng, width, height, aspect, scale * shortSide * (1 + margin), taken, 0.1);
    if (corners === null) continue;
    const logoCorners = hasPlate ? plateAround(corners, -margin / (1 + margin)) : corners;
    const isMono = rng.chance(0.3);
    const plateColour = rng.pick(BLACK_WHITE_OR_GREY);
    const monoColour: [number, number, number] | null = isMono
      ? hasPlate && plateColour[0] > 128
        ? [20, 20, 20]
        : rng.pick(BLACK_WHITE_OR_GREY)
      : null;
    logos.push({
      corners: logoCorners,
      tint: tint(rng, 0.1),
      opacity: rng.range(0.85, 1),
      monoColour,
      plate: hasPlate ? { corners, colour: plateColour } : null,
    });
    taken.push(boundsOf(corners));
  }
  if (logos.length === 0) {
    // Every logo image must show its logo: fall back to a small, upright, plain placement.
    const aspect = ctx.logoAspect(className);
    for (let side = 0.3 * shortSide; logos.length === 0 && side >= 8; side *= 0.7) {
      const corners = placeSprite(rng, width, height, aspect, side, [], 0.05);
      if (corners !== null)
        logos.push({ corners, tint: [1, 1, 1], opacity: 1, monoColour: null, plate: null });
    }
  }
  return logos;
}

function planClutter(
  rng: SeededRandom,
  ctx: PlanContext,
  count: number,
  width: number,
  height: number,
  avoid: BoundingBox[],
): ClutterPlacement[] {
  const placements: ClutterPlacement[] = [];
  const shortSide = Math.min(width, height);
  for (let i = 0; i < count; i++) {
    const spriteIndex = rng.int(0, ctx.clutterAspects.length - 1);
    const scale = Math.exp(rng.range(Math.log(0.08), Math.log(0.45)));
    const corners = placeSprite(
      rng,
      width,
      height,
      ctx.clutterAspects[spriteIndex],
      scale * shortSide,
      avoid,
      0.1,
    );
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
 * Plans one image: background crop, clutter, logos of `className` (none when null), occluders,
 * global colour jitter, blur and JPEG quality. Pure: same rng state → same plan.
 */
export function planSyntheticImage(
  rng: SeededRandom,
  ctx: PlanContext,
  className: string | null,
): SyntheticImagePlan {
  const [width, height] = rng.pick(OUTPUT_SIZES);
  const photo = rng.pick(ctx.backgrounds);
  const crop = planCrop(rng, photo, width / height, ctx.splitResidue);
  const logos = className === null ? [] : planLogos(rng, ctx, className, width, height);
  const taken = logos.map((l) => boundsOf(l.plate?.corners ?? l.corners));
  const clutterCount =
    className === null ? rng.pick([0, 1, 1, 2, 2, 2, 3, 3, 4]) : rng.pick([0, 0, 1, 1, 1, 2, 2, 3]);
  const clutter = planClutter(rng, ctx, clutterCount, width, height, taken);
  const occluders = logos.filter(() => rng.chance(0.3)).map((logo) => planOccluder(rng, ctx, logo));
  return {
    width,
    height,
    background: { file: photo.file, crop },
    className,
    clutter,
    logos,
    occluders,
    colourJitter: {
      brightness: rng.range(0.75, 1.25),
      saturation: rng.range(0.6, 1.4),
      hueDegrees: rng.range(-15, 15),
    },
    blurSigma: rng.chance(0.35) ? rng.range(0.4, 1.6) : null,
    jpegQuality: rng.int(JPEG_QUALITY_RANGE[0], JPEG_QUALITY_RANGE[1]),
  };
}

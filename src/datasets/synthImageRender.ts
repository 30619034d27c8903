import sharp from "sharp";
import { pickLevel, type RasterPyramid } from "./artworkRaster";
import type { BackgroundLibrary } from "./backgroundLibrary";
import { colourJitterMatrix } from "./colourJitter";
import type { BoundingBox } from "./datasetManifest";
import {
  addSensorNoise,
  cylinderWrap,
  lightSprite,
  motionBlurKernel,
  whiteBalanceGains,
  withGains,
} from "./photoEffects";
import {
  blendSprite,
  opaqueBounds,
  warpSprite,
  type PlacedSprite,
  type Point,
  type RgbaImage,
  type RgbImage,
} from "./perspectiveWarp";
import type { ClutterPlacement, SyntheticImagePlan } from "./synthImagePlan";

/** Decoded artwork and backgrounds a render draws from (built once per generator run). */
export interface RenderResources {
  backgrounds: BackgroundLibrary;
  /** Each brand's marks, primary artwork first (plans index into them). */
  logos: ReadonlyMap<string, readonly RasterPyramid[]>;
  clutter: readonly RasterPyramid[];
  /** Other brands' marks for the `hardNegatives` element (plans index into it). */
  hardNegatives?: readonly RasterPyramid[];
}

/** A rendered image before encoding, with the boxes of its logos. */
export interface RenderedCanvas {
  canvas: RgbImage;
  bboxes: BoundingBox[];
}

/** A white square for plates; large enough that bilinear edge ramps stay under a pixel wide. */
const SOLID: RgbaImage = { width: 64, height: 64, data: new Uint8Array(64 * 64 * 4).fill(255) };

function longSideOf(corners: readonly Point[]): number {
  const xs = corners.map((c) => c.x);
  const ys = corners.map((c) => c.y);
  return Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
}

function recolour(image: RgbaImage, colour: readonly [number, number, number]): RgbaImage {
  const data = new Uint8Array(image.data);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = colour[0];
    data[i + 1] = colour[1];
    data[i + 2] = colour[2];
  }
  return { width: image.width, height: image.height, data };
}

/** Rec. 601 luma of an RGB triple. */
function luma(r: number, g: number, b: number): number {
  return 0.299 * r + 0.587 * g + 0.114 * b;
}

/** Mean luma of the canvas inside a sprite's opaque pixels, and of the sprite there. */
function lumaContrast(canvas: RgbImage, sprite: PlacedSprite): number {
  let canvasSum = 0;
  let spriteSum = 0;
  let weight = 0;
  for (let y = 0; y < sprite.height; y += 2) {
    for (let x = 0; x < sprite.width; x += 2) {
      const s = (y * sprite.width + x) * 4;
      const a = sprite.data[s + 3];
      if (a < 128) continue;
      const c = ((sprite.top + y) * canvas.width + sprite.left + x) * 3;
      canvasSum += luma(canvas.data[c], canvas.data[c + 1], canvas.data[c + 2]);
      spriteSum += luma(sprite.data[s], sprite.data[s + 1], sprite.data[s + 2]);
      weight += 1;
    }
  }
  return weight === 0 ? 255 : Math.abs(canvasSum - spriteSum) / weight;
}

/** Below this mean luma difference a logo would melt into its background; it gets a plate. */
const MIN_LOGO_CONTRAST = 55;

function unionBox(a: BoundingBox | null, b: BoundingBox | null): BoundingBox | null {
  if (a === null) return b;
  if (b === null) return a;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}

/** Mean luma of a sprite's opaque pixels (sampled), 0 when it has none. */
function spriteLuma(sprite: PlacedSprite): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < sprite.data.length; i += 16) {
    if (sprite.data[i + 3] < 128) continue;
    sum += luma(sprite.data[i], sprite.data[i + 1], sprite.data[i + 2]);
    count += 1;
  }
  return count === 0 ? 0 : sum / count;
}

/**
 * The planned plate colour as tint factors, swapped for its light/dark opposite when it is too
 * close in luma to the artwork (a navy Ford oval on a black sign would be invisible).
 */
function plateColourFor(
  planned: readonly [number, number, number],
  sprite: PlacedSprite,
): [number, number, number] {
  const artworkLuma = spriteLuma(sprite);
  const plateLuma = luma(planned[0], planned[1], planned[2]);
  const colour =
    Math.abs(plateLuma - artworkLuma) >= 80 ? planned : artworkLuma < 128 ? [240, 240, 236] : [24, 24, 28];
  return [colour[0] / 255, colour[1] / 255, colour[2] / 255];
}

/** A plate 25 % larger than the logo, in the luma opposite to the artwork's. */
function rescuePlate(
  corners: readonly Point[],
  sprite: PlacedSprite,
): { corners: Point[]; tint: [number, number, number] } {
  const isArtworkDark = spriteLuma(sprite) < 128;
  const cx = corners.reduce((s, p) => s + p.x, 0) / 4;
  const cy = corners.reduce((s, p) => s + p.y, 0) / 4;
  const grown = corners.map((p) => ({ x: cx + (p.x - cx) * 1.25, y: cy + (p.y - cy) * 1.25 }));
  const shade = isArtworkDark ? 0.94 : 0.1;
  return { corners: grown, tint: [shade, shade, shade] };
}

function drawClutter(
  canvas: RgbImage,
  placements: readonly ClutterPlacement[],
  clutter: readonly RasterPyramid[],
): void {
  for (const p of placements) {
    const source = pickLevel(clutter[p.spriteIndex], longSideOf(p.corners));
    blendSprite(canvas, warpSprite(source, p.corners, canvas.width, canvas.height, p.tint, p.opacity));
  }
}

/** Crops and scales the background photo to the output size. */
async function backgroundCanvas(plan: SyntheticImagePlan, resources: RenderResources): Promise<RgbImage> {
  const photo = await resources.backgrounds.pixels(plan.background.file);
  const { crop } = plan.background;
  const data = await sharp(Buffer.from(photo.data.buffer, photo.data.byteOffset, photo.data.length), {
    raw: { width: photo.width, height: photo.height, channels: 3 },
  })
    .extract({ left: crop.x, top: crop.y, width: crop.width, height: crop.height })
    .resize(plan.width, plan.height, { fit: "fill" })
    .raw()
    .toBuffer();
  return {
    width: plan.width,
    height: plan.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/**
 * Renders a plan up to (not including) the global colour jitter, blur and JPEG encoding. Each
 * logo's box is the tight box of its opaque pixels, plate included: exactly where it was pasted.
 * With `withLogos: false` the logos and plates are left out (tests compare the two renders).
 */
export async function renderCanvas(
  plan: SyntheticImagePlan,
  resources: RenderResources,
  options: { withLogos?: boolean } = {},
): Promise<RenderedCanvas> {
  const canvas = await backgroundCanvas(plan, resources);
  drawClutter(canvas, plan.clutter, resources.clutter);
  if (plan.hardNegatives.length > 0) {
    if (!resources.hardNegatives) throw new Error("the plan has hard negatives but no pool was loaded");
    drawClutter(canvas, plan.hardNegatives, resources.hardNegatives);
  }
  const bboxes: BoundingBox[] = [];
  if (options.withLogos !== false && plan.className !== null) {
    const marks = resources.logos.get(plan.className);
    if (marks === undefined) throw new Error(`no artwork for class ${plan.className}`);
    for (const logo of plan.logos) {
      const pyramid = marks[logo.mark];
      if (pyramid === undefined) throw new Error(`${plan.className} has no mark ${logo.mark}`);
      let box: BoundingBox | null = null;
      const level = pickLevel(pyramid, longSideOf(logo.corners));
      const coloured = logo.monoColour === null ? level : recolour(level, logo.monoColour);
      const { curvature, lighting } = logo.surface;
      const source = curvature ? cylinderWrap(coloured, curvature) : coloured;
      const sprite = warpSprite(source, logo.corners, canvas.width, canvas.height, logo.tint, logo.opacity);
      if (lighting) lightSprite(sprite, lighting);
      if (logo.plate !== null) {
        const colour = plateColourFor(logo.plate.colour, sprite);
        const plate = warpSprite(SOLID, logo.plate.corners, canvas.width, canvas.height, colour, 1);
        if (lighting) lightSprite(plate, lighting);
        blendSprite(canvas, plate);
        box = opaqueBounds(plate);
      } else if (lumaContrast(canvas, sprite) < MIN_LOGO_CONTRAST) {
        // Contrast rescue, decided from pixels so it stays deterministic: a plain sign behind
        // the logo, light under dark artwork and dark under light artwork.
        const rescue = rescuePlate(logo.corners, sprite);
        const plate = warpSprite(SOLID, rescue.corners, canvas.width, canvas.height, rescue.tint, 1);
        blendSprite(canvas, plate);
        box = opaqueBounds(plate);
      }
      blendSprite(canvas, sprite);
      box = unionBox(box, opaqueBounds(sprite));
      if (box !== null) bboxes.push(box);
    }
  }
  drawClutter(canvas, plan.occluders, resources.clutter);
  return { canvas, bboxes };
}

function rawImage(image: RgbImage): sharp.Sharp {
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
}

async function toRgb(image: sharp.Sharp): Promise<RgbImage> {
  const { data, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/**
 * Renders a plan to JPEG bytes and its boxes. After the canvas: colour jitter and white balance
 * (one linear pass), defocus or motion blur, a low-resolution original upscaled, sensor noise,
 * earlier JPEG/WebP encodings, then the final JPEG at the plan's quality. The boxes are the
 * canvas's: none of these steps moves a pixel.
 */
export async function renderSyntheticImage(
  plan: SyntheticImagePlan,
  resources: RenderResources,
): Promise<{ jpeg: Buffer; bboxes: BoundingBox[] }> {
  const { canvas, bboxes } = await renderCanvas(plan, resources);
  const { effects } = plan;
  const jitter = colourJitterMatrix(plan.colourJitter);
  const colour = effects.whiteBalance ? withGains(jitter, whiteBalanceGains(effects.whiteBalance)) : jitter;
  let image = rawImage(canvas).recomb(colour as sharp.Matrix3x3);
  if (plan.blurSigma !== null) image = image.blur(plan.blurSigma);
  if (effects.motionBlur)
    image = image.convolve(motionBlurKernel(effects.motionBlur.length, effects.motionBlur.angle));
  if (effects.lowResolution !== null || effects.sensorNoise) {
    let pixels = await toRgb(image);
    if (effects.lowResolution !== null) {
      const small = await rawImage(pixels)
        .resize(
          Math.max(8, Math.round(plan.width * effects.lowResolution)),
          Math.max(8, Math.round(plan.height * effects.lowResolution)),
          { fit: "fill" },
        )
        .raw()
        .toBuffer({ resolveWithObject: true });
      const smallImage = {
        width: small.info.width,
        height: small.info.height,
        data: new Uint8Array(small.data),
      };
      pixels = await toRgb(rawImage(smallImage).resize(plan.width, plan.height, { fit: "fill" }));
    }
    if (effects.sensorNoise) addSensorNoise(pixels, effects.sensorNoise);
    image = rawImage(pixels);
  }
  for (const encoding of effects.recompression) {
    const encoded =
      encoding.format === "jpeg"
        ? await image.jpeg({ quality: encoding.quality }).toBuffer()
        : await image.webp({ quality: encoding.quality }).toBuffer();
    image = sharp(encoded);
  }
  const jpeg = await image.jpeg({ quality: plan.jpegQuality }).toBuffer();
  return { jpeg, bboxes };
}

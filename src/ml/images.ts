import sharp from "sharp";
import { InvalidImageError } from "../errors";
import { evaluationPlan, fullImagePlan } from "./augment";

/** An image given as a file path or as encoded bytes. */
export type ImageSource = string | Buffer;

/** Formats LogoLab accepts; everything else is an `InvalidImageError`. */
export const SUPPORTED_FORMATS = ["jpeg", "png", "webp"] as const;
export type ImageFormat = (typeof SUPPORTED_FORMATS)[number];

/** Decompression-bomb guard: images with more pixels than this (width·height) are rejected. */
export const DEFAULT_MAX_PIXELS = 40_000_000;

/** Size and format of an image as it displays (after EXIF rotation). */
export interface ImageInfo {
  width: number;
  height: number;
  format: ImageFormat;
}

/** A region of the displayed (EXIF-rotated) image, in whole pixels. */
export interface CropRegion {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Everything that turns one source image into one model input (see `augment.ts` for how plans are drawn). */
export interface RenderPlan {
  crop: CropRegion;
  isFlipped: boolean;
  /** Multipliers, 1 = unchanged. */
  brightness: number;
  saturation: number;
  contrast: number;
}

function describe(source: ImageSource): string {
  return typeof source === "string" ? source : `${source.length}-byte input`;
}

function openImage(source: ImageSource, maxPixels: number): sharp.Sharp {
  // failOn "error": truncated or corrupt files throw instead of rendering grey.
  return sharp(source, { limitInputPixels: maxPixels, failOn: "error" });
}

/** Wraps sharp's errors (unsupported format, pixel limit, truncation) as `InvalidImageError`. */
function asInvalidImage(error: unknown, source: ImageSource): InvalidImageError {
  if (error instanceof InvalidImageError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  const isMissingFile =
    (error as NodeJS.ErrnoException)?.code === "ENOENT" || /no such file|file is missing/i.test(reason);
  if (isMissingFile) return new InvalidImageError(`image file not found: ${describe(source)}`, { reason });
  if (/pixel limit/i.test(reason)) {
    return new InvalidImageError(
      `image has too many pixels (possible decompression bomb): ${describe(source)}`,
      { reason },
    );
  }
  return new InvalidImageError(`not a readable JPEG, PNG or WebP image: ${describe(source)} (${reason})`, {
    reason,
  });
}

/**
 * Reads the header of an image and validates it: a supported format, at most `maxPixels` pixels.
 * Width and height are as displayed (EXIF orientations 5–8 swap them). Throws `InvalidImageError`.
 */
export async function probeImage(source: ImageSource, maxPixels = DEFAULT_MAX_PIXELS): Promise<ImageInfo> {
  let metadata: sharp.Metadata;
  try {
    metadata = await openImage(source, maxPixels).metadata();
  } catch (error) {
    throw asInvalidImage(error, source);
  }
  const format = metadata.format as string | undefined;
  if (format === undefined || !(SUPPORTED_FORMATS as readonly string[]).includes(format)) {
    throw new InvalidImageError(`unsupported image format ${JSON.stringify(format)}: ${describe(source)}`, {
      format,
    });
  }
  const { width, height } = metadata;
  if (!width || !height) throw new InvalidImageError(`image has no size: ${describe(source)}`);
  if (width * height > maxPixels) {
    throw new InvalidImageError(
      `image has ${width}×${height} pixels, more than the limit of ${maxPixels} (possible decompression bomb)`,
      { width, height, maxPixels },
    );
  }
  const isTransposed = (metadata.orientation ?? 1) >= 5;
  return {
    width: isTransposed ? height : width,
    height: isTransposed ? width : height,
    format: format as ImageFormat,
  };
}

/**
 * Decodes `source`, rotates it by EXIF, applies `plan` (crop → flip → resize to `imageSize`² ignoring
 * aspect → colour changes) and returns RGB bytes `[imageSize, imageSize, 3]` row-major, 0–255.
 * Throws `InvalidImageError` for anything that is not a safe JPEG/PNG/WebP.
 */
export async function renderImage(
  source: ImageSource,
  plan: RenderPlan,
  imageSize: number,
  maxPixels = DEFAULT_MAX_PIXELS,
): Promise<Uint8Array> {
  try {
    let pipeline = openImage(source, maxPixels).rotate().extract(plan.crop);
    if (plan.isFlipped) pipeline = pipeline.flop();
    pipeline = pipeline.resize(imageSize, imageSize, { fit: "fill", kernel: "lanczos3" });
    if (plan.brightness !== 1 || plan.saturation !== 1) {
      pipeline = pipeline.modulate({ brightness: plan.brightness, saturation: plan.saturation });
    }
    if (plan.contrast !== 1) pipeline = pipeline.linear(plan.contrast, 128 * (1 - plan.contrast));
    const pixels = await pipeline
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      .removeAlpha()
      .raw()
      .toBuffer();
    if (pixels.length !== imageSize * imageSize * 3)
      throw new Error(`decoded ${pixels.length} bytes, expected RGB`);
    return new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength);
  } catch (error) {
    throw asInvalidImage(error, source);
  }
}

/**
 * The evaluation view of an image, as validation, test and serving see it: header check (format,
 * pixel count), then EXIF rotation, center crop and resize to `imageSize`² — RGB bytes `[s, s, 3]`.
 */
export async function renderEvaluationView(
  source: ImageSource,
  imageSize: number,
  maxPixels = DEFAULT_MAX_PIXELS,
): Promise<Uint8Array> {
  const { width, height } = await probeImage(source, maxPixels);
  return renderImage(source, evaluationPlan(width, height), imageSize, maxPixels);
}

/**
 * The whole-image view localizing models see: header check, EXIF rotation, resize of the full
 * image to `imageSize`² ignoring aspect (no crop, so a map cell maps back to the original linearly).
 * Returns the RGB bytes `[s, s, 3]` and the displayed size of the original.
 */
export async function renderFullView(
  source: ImageSource,
  imageSize: number,
  maxPixels = DEFAULT_MAX_PIXELS,
): Promise<{ pixels: Uint8Array; width: number; height: number }> {
  const { width, height } = await probeImage(source, maxPixels);
  const pixels = await renderImage(source, fullImagePlan(width, height), imageSize, maxPixels);
  return { pixels, width, height };
}

/** Scales RGB bytes into `target` at `offset` as float32 in [0, 1] (the models' input range). */
export function writeScaledPixels(pixels: Uint8Array, target: Float32Array, offset: number): void {
  for (let i = 0; i < pixels.length; i++) target[offset + i] = pixels[i] / 255;
}

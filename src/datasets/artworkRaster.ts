import sharp from "sharp";
import type { RgbaImage } from "./perspectiveWarp";

/** Long sides, in pixels, of the cached rasters of one artwork (largest first). */
export const RASTER_LEVELS_PX: readonly number[] = [512, 256, 128, 64];

/** Cached rasters of one artwork, largest first, each with straight alpha. */
export type RasterPyramid = readonly RgbaImage[];

async function toRgba(image: sharp.Sharp): Promise<RgbaImage> {
  const { data, info } = await image.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/** The bounds of the pixels with any alpha, or null for a fully transparent image. */
export function opaqueRegion(
  image: RgbaImage,
): { left: number; top: number; width: number; height: number } | null {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -1, -1];
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (image.data[(y * image.width + x) * 4 + 3] === 0) continue;
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
  }
  return maxX < 0 ? null : { left: minX, top: minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

/**
 * Rasterises an SVG once (at twice `topLevelPx`), trims its transparent margin (icon sets pad
 * wordmarks into square view boxes) and scales the artwork itself to a `topLevelPx` long side;
 * the smaller levels derive from that raster. Warping from the level just above the target size
 * keeps small logos from aliasing without rasterising the SVG again.
 */
export async function rasteriseSvg(
  svg: string,
  topLevelPx: number = RASTER_LEVELS_PX[0],
): Promise<RasterPyramid> {
  const buffer = Buffer.from(svg);
  const meta = await sharp(buffer).metadata();
  const longSide = Math.max(meta.width ?? 1, meta.height ?? 1);
  const density = Math.min(20000, (72 * 2 * topLevelPx) / longSide);
  const full = await toRgba(
    sharp(buffer, { density }).resize(2 * topLevelPx, 2 * topLevelPx, { fit: "inside" }),
  );
  const region = opaqueRegion(full);
  if (region === null) throw new Error("SVG renders no visible pixels");
  const top = await toRgba(
    sharp(Buffer.from(full.data), { raw: { width: full.width, height: full.height, channels: 4 } })
      .extract(region)
      .resize(topLevelPx, topLevelPx, { fit: "inside" }),
  );
  return rasterPyramid(top);
}

/** Builds the smaller levels of a raster (premultiplied resampling keeps edges clean). */
export async function rasterPyramid(top: RgbaImage): Promise<RasterPyramid> {
  const levels: RgbaImage[] = [top];
  for (const side of RASTER_LEVELS_PX.filter((px) => px < Math.max(top.width, top.height))) {
    const input = sharp(Buffer.from(top.data), {
      raw: { width: top.width, height: top.height, channels: 4 },
    });
    levels.push(await toRgba(input.resize(side, side, { fit: "inside" })));
  }
  return levels;
}

/** The smallest level whose long side is at least `targetLongSidePx` (else the largest). */
export function pickLevel(pyramid: RasterPyramid, targetLongSidePx: number): RgbaImage {
  let chosen = pyramid[0];
  for (const level of pyramid) if (Math.max(level.width, level.height) >= targetLongSidePx) chosen = level;
  return chosen;
}

/** A 2-D point in pixels. */
export interface Point {
  x: number;
  y: number;
}

/** An RGBA image in memory: `data.length === width * height * 4`, straight (not premultiplied) alpha. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** An RGB image in memory: `data.length === width * height * 3`. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Row-major 3×3 homography (h[8] normalised to 1). */
export type Homography = readonly number[];

/** Solves the 8×8 linear system A·x = b by Gaussian elimination with partial pivoting. */
function solveLinear(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    if (Math.abs(m[col][col]) < 1e-12) throw new Error("degenerate quadrilateral");
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r][col] / m[col][col];
      for (let c = col; c <= n; c++) m[r][c] -= f * m[col][c];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

/** The homography mapping each `from[i]` onto `to[i]` (4 point pairs, no three collinear). */
export function homographyFromPoints(from: readonly Point[], to: readonly Point[]): Homography {
  const a: number[][] = [];
  const b: number[] = [];
  for (let i = 0; i < 4; i++) {
    const { x, y } = from[i];
    const { x: u, y: v } = to[i];
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y]);
    b.push(u);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y]);
    b.push(v);
  }
  return [...solveLinear(a, b), 1];
}

/** Applies a homography to a point. */
export function applyHomography(h: Homography, p: Point): Point {
  const w = h[6] * p.x + h[7] * p.y + h[8];
  return { x: (h[0] * p.x + h[1] * p.y + h[2]) / w, y: (h[3] * p.x + h[4] * p.y + h[5]) / w };
}

/** A warped sprite placed on a canvas: its pixels cover `[left, left+width) × [top, top+height)`. */
export interface PlacedSprite extends RgbaImage {
  left: number;
  top: number;
}

/**
 * Warps `source` so its corners (TL, TR, BR, BL) land on `corners`, sampling bilinearly through
 * the inverse homography; returns only the covered rectangle, clipped to a canvas of
 * `canvasWidth × canvasHeight`. `tint` multiplies RGB per channel (colour jitter); `opacity`
 * scales alpha.
 */
export function warpSprite(
  source: RgbaImage,
  corners: readonly Point[],
  canvasWidth: number,
  canvasHeight: number,
  tint: readonly [number, number, number] = [1, 1, 1],
  opacity = 1,
): PlacedSprite {
  const srcCorners = [
    { x: 0, y: 0 },
    { x: source.width, y: 0 },
    { x: source.width, y: source.height },
    { x: 0, y: source.height },
  ];
  const inverse = homographyFromPoints(corners, srcCorners);
  const left = Math.max(0, Math.floor(Math.min(...corners.map((c) => c.x))));
  const top = Math.max(0, Math.floor(Math.min(...corners.map((c) => c.y))));
  const right = Math.min(canvasWidth, Math.ceil(Math.max(...corners.map((c) => c.x))));
  const bottom = Math.min(canvasHeight, Math.ceil(Math.max(...corners.map((c) => c.y))));
  const width = Math.max(0, right - left);
  const height = Math.max(0, bottom - top);
  const out = new Uint8Array(width * height * 4);
  const { width: sw, height: sh, data: src } = source;
  const [h0, h1, h2, h3, h4, h5, h6, h7, h8] = inverse;
  for (let y = 0; y < height; y++) {
    const py = top + y + 0.5;
    for (let x = 0; x < width; x++) {
      const px = left + x + 0.5;
      const w = h6 * px + h7 * py + h8;
      const sx = (h0 * px + h1 * py + h2) / w - 0.5;
      const sy = (h3 * px + h4 * py + h5) / w - 0.5;
      if (sx < -1 || sy < -1 || sx > sw || sy > sh) continue;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let k = 0; k < 4; k++) {
        const xi = x0 + (k & 1);
        const yi = y0 + (k >> 1);
        if (xi < 0 || yi < 0 || xi >= sw || yi >= sh) continue;
        const weight = (k & 1 ? fx : 1 - fx) * (k >> 1 ? fy : 1 - fy);
        const i = (yi * sw + xi) * 4;
        const wa = weight * src[i + 3];
        r += src[i] * wa;
        g += src[i + 1] * wa;
        b += src[i + 2] * wa;
        a += wa;
      }
      if (a <= 0) continue;
      const o = (y * width + x) * 4;
      out[o] = Math.min(255, (r / a) * tint[0]);
      out[o + 1] = Math.min(255, (g / a) * tint[1]);
      out[o + 2] = Math.min(255, (b / a) * tint[2]);
      out[o + 3] = Math.min(255, a * opacity);
    }
  }
  return { width, height, left, top, data: out };
}

/** Alpha-blends a placed sprite onto an RGB canvas in place. */
export function blendSprite(canvas: RgbImage, sprite: PlacedSprite): void {
  for (let y = 0; y < sprite.height; y++) {
    for (let x = 0; x < sprite.width; x++) {
      const s = (y * sprite.width + x) * 4;
      const alpha = sprite.data[s + 3];
      if (alpha === 0) continue;
      const c = ((sprite.top + y) * canvas.width + sprite.left + x) * 3;
      const a = alpha / 255;
      canvas.data[c] = Math.round(canvas.data[c] * (1 - a) + sprite.data[s] * a);
      canvas.data[c + 1] = Math.round(canvas.data[c + 1] * (1 - a) + sprite.data[s + 1] * a);
      canvas.data[c + 2] = Math.round(canvas.data[c + 2] * (1 - a) + sprite.data[s + 2] * a);
    }
  }
}

/**
 * Tight canvas-space bounds of the sprite's pixels with alpha ≥ `minAlpha`, or null when none:
 * the logo's bounding box as FlickrLogos-32 annotates it (x, y, width, height). The default
 * threshold is low on purpose: a pixel outside the box changes its background by at most 8/255.
 */
export function opaqueBounds(
  sprite: PlacedSprite,
  minAlpha = 8,
): { x: number; y: number; width: number; height: number } | null {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < sprite.height; y++) {
    for (let x = 0; x < sprite.width; x++) {
      if (sprite.data[(y * sprite.width + x) * 4 + 3] < minAlpha) continue;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  if (maxX < 0) return null;
  return { x: sprite.left + minX, y: sprite.top + minY, width: maxX - minX + 1, height: maxY - minY + 1 };
}

import type { Lighting, PhotoEffects, SurfaceCurvature } from "./domainRandomisation";
import type { RgbaImage, RgbImage } from "./perspectiveWarp";
import { SeededRandom } from "./seededRandom";

/**
 * Wraps a flat sprite around a cylinder seen from the front: label coordinate s ∈ [-1, 1] lies at
 * angle φ = s·θ on the cylinder and projects to u = sin φ / sin θ, so the mark is compressed
 * towards the cylinder's silhouette and dimmed there (Lambert, cos φ). Same size as `source`;
 * alpha is resampled with the colour, so the tight box of the result still fits the visible mark.
 */
export function cylinderWrap(source: RgbaImage, surface: SurfaceCurvature): RgbaImage {
  const { width, height, data } = source;
  const out = new Uint8Array(data.length);
  const theta = surface.curvature;
  const sinTheta = Math.sin(theta);
  const isVertical = surface.axis === "vertical";
  const span = isVertical ? width : height;
  // Per output column (or row): the source coordinate it shows and its shading.
  const sourceAt = new Float64Array(span);
  const shadeAt = new Float64Array(span);
  for (let i = 0; i < span; i++) {
    const u = ((i + 0.5) / span) * 2 - 1;
    const phi = Math.asin(Math.max(-1, Math.min(1, u * sinTheta)));
    sourceAt[i] = ((phi / theta + 1) / 2) * span - 0.5;
    shadeAt[i] = 0.72 + 0.28 * Math.cos(phi);
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const along = isVertical ? x : y;
      const s = Math.max(0, Math.min(span - 1, sourceAt[along]));
      const s0 = Math.floor(s);
      const s1 = Math.min(span - 1, s0 + 1);
      const f = s - s0;
      const i0 = isVertical ? (y * width + s0) * 4 : (s0 * width + x) * 4;
      const i1 = isVertical ? (y * width + s1) * 4 : (s1 * width + x) * 4;
      const o = (y * width + x) * 4;
      const shade = shadeAt[along];
      for (let c = 0; c < 3; c++)
        out[o + c] = Math.round((data[i0 + c] * (1 - f) + data[i1 + c] * f) * shade);
      out[o + 3] = Math.round(data[i0 + 3] * (1 - f) + data[i1 + 3] * f);
    }
  }
  return { width, height, data: out };
}

/**
 * Lights a sprite in place: RGB darkens linearly along the gradient direction (by up to
 * `gradientStrength` at its far end) and brightens in a Gaussian band (the specular highlight).
 * Alpha is untouched.
 */
export function lightSprite(sprite: RgbaImage, lighting: Lighting): void {
  const { width, height, data } = sprite;
  const dx = Math.cos(lighting.gradientAngle);
  const dy = Math.sin(lighting.gradientAngle);
  // Projections of the four corners bound t, so t is normalised to [0, 1] over the sprite.
  const corners = [0, width * dx, height * dy, width * dx + height * dy];
  const tMin = Math.min(...corners);
  const tSpan = Math.max(1e-6, Math.max(...corners) - tMin);
  const highlight = lighting.highlight;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      if (data[o + 3] === 0) continue;
      const t = (x * dx + y * dy - tMin) / tSpan;
      const factor = 1 - lighting.gradientStrength * t;
      const glow = highlight
        ? 255 * highlight.strength * Math.exp(-(((t - highlight.centre) / highlight.width) ** 2))
        : 0;
      for (let c = 0; c < 3; c++) data[o + c] = Math.max(0, Math.min(255, data[o + c] * factor + glow));
    }
  }
}

const NOISE_TABLE_SIZE = 1 << 16;

/**
 * Gaussian sensor noise added in place: a shared (luma) part and a per-channel (chroma) part.
 * Samples come from a table of 65,536 seeded normal draws walked with a seeded odd stride (a full
 * cycle), ~20× cheaper than drawing every sample and indistinguishable at pixel scale.
 */
export function addSensorNoise(canvas: RgbImage, noise: NonNullable<PhotoEffects["sensorNoise"]>): void {
  const rng = new SeededRandom(noise.seed);
  const table = new Float32Array(NOISE_TABLE_SIZE);
  for (let i = 0; i < NOISE_TABLE_SIZE; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(Math.max(1e-12, rng.next())));
    const angle = 2 * Math.PI * rng.next();
    table[i] = radius * Math.cos(angle);
    table[i + 1] = radius * Math.sin(angle);
  }
  const stride = (rng.int(0, NOISE_TABLE_SIZE / 2 - 1) * 2 + 1) & (NOISE_TABLE_SIZE - 1);
  let index = rng.int(0, NOISE_TABLE_SIZE - 1);
  const next = () => {
    index = (index + stride) & (NOISE_TABLE_SIZE - 1);
    return table[index];
  };
  const { data } = canvas;
  const shared = noise.sigma * (1 - noise.chroma);
  const own = noise.sigma * noise.chroma;
  for (let i = 0; i < data.length; i += 3) {
    const luma = shared * next();
    data[i] = Math.max(0, Math.min(255, Math.round(data[i] + luma + own * next())));
    data[i + 1] = Math.max(0, Math.min(255, Math.round(data[i + 1] + luma + own * next())));
    data[i + 2] = Math.max(0, Math.min(255, Math.round(data[i + 2] + luma + own * next())));
  }
}

/** A normalised line kernel for sharp's `convolve`: a motion blur of `length` px at `angle` rad. */
export function motionBlurKernel(
  length: number,
  angle: number,
): { width: number; height: number; kernel: number[] } {
  const size = length % 2 === 1 ? length : length + 1;
  const centre = (size - 1) / 2;
  const kernel = new Array<number>(size * size).fill(0);
  const steps = size * 4;
  for (let i = 0; i <= steps; i++) {
    const r = (i / steps - 0.5) * (length - 1);
    const x = Math.round(centre + r * Math.cos(angle));
    const y = Math.round(centre + r * Math.sin(angle));
    kernel[y * size + x] = 1;
  }
  const sum = kernel.reduce((s, v) => s + v, 0);
  return { width: size, height: size, kernel: kernel.map((v) => v / sum) };
}

/** RGB gains of a white-balance shift: warmer (temperature > 0) lifts red and cuts blue. */
export function whiteBalanceGains(
  whiteBalance: NonNullable<PhotoEffects["whiteBalance"]>,
): [number, number, number] {
  return [1 + whiteBalance.temperature, 1 + whiteBalance.tint, 1 - whiteBalance.temperature];
}

/** `matrix` (3×3, sharp's recomb) followed by per-channel `gains`. */
export function withGains(matrix: number[][], gains: readonly [number, number, number]): number[][] {
  return matrix.map((row, i) => row.map((v) => v * gains[i]));
}

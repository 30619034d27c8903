import fs from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";

/** Images per class in each split. */
export interface SplitSizes {
  train: number;
  val: number;
  test: number;
}

const IMAGE_SIDE = 96;
const SQUARE_SIDE = 24;
const GRID = 8;

/** Four visually distinct classes (background colour; the square is its complement). */
export const BENCH_CLASSES: Record<string, [number, number, number]> = {
  red: [220, 40, 40],
  green: [40, 200, 60],
  blue: [40, 60, 220],
  "no-logo": [128, 128, 128],
};

/** One 96 × 96 PNG: the class colour, shaded by `index`, with a square at a position unique to `index`. */
async function writeImage(file: string, [r, g, b]: [number, number, number], index: number): Promise<void> {
  const shade = (index % 5) * 6;
  const square = await sharp({
    create: {
      width: SQUARE_SIDE,
      height: SQUARE_SIDE,
      channels: 3,
      background: { r: 255 - r, g: 255 - g, b: 255 - b },
    },
  })
    .png()
    .toBuffer();
  const cell = (IMAGE_SIDE - SQUARE_SIDE - 8) / (GRID - 1);
  await sharp({
    create: {
      width: IMAGE_SIDE,
      height: IMAGE_SIDE,
      channels: 3,
      background: { r: Math.min(255, r + shade), g: Math.min(255, g + shade), b: Math.min(255, b + shade) },
    },
  })
    .composite([
      {
        input: square,
        left: Math.round(4 + (index % GRID) * cell),
        top: Math.round(4 + (Math.floor(index / GRID) % GRID) * cell),
      },
    ])
    .png()
    .toFile(file);
}

/**
 * Writes an ImageFolder tree (`<root>/<split>/<class>/<split>-<n>.png`) of distinct, decodable,
 * learnable images: no two images of a class share a square position, across splits too (an
 * importer may reject duplicates). At most 64 images per class. Returns how many it wrote.
 */
export async function writeBenchImageFolder(root: string, sizes: SplitSizes): Promise<number> {
  const perClass = sizes.train + sizes.val + sizes.test;
  if (perClass > GRID * GRID) throw new Error(`at most ${GRID * GRID} images per class, got ${perClass}`);
  let position = 0;
  for (const [split, count] of Object.entries(sizes)) {
    for (const [className, colour] of Object.entries(BENCH_CLASSES)) {
      const dir = path.join(root, split, className);
      await fs.mkdir(dir, { recursive: true });
      for (let i = 0; i < count; i++) {
        await writeImage(path.join(dir, `${split}-${i}.png`), colour, position + i);
      }
    }
    position += count;
  }
  return perClass * Object.keys(BENCH_CLASSES).length;
}

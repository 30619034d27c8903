import fs from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";

/** One image of a class: its colour with a complementary square at position `i` (PNG bytes). */
export async function classImage([r, g, b]: [number, number, number], i: number): Promise<Buffer> {
  const square = await sharp({
    create: { width: 12, height: 12, channels: 3, background: { r: 255 - r, g: 255 - g, b: 255 - b } },
  })
    .png()
    .toBuffer();
  return sharp({ create: { width: 48, height: 40, channels: 3, background: { r, g, b } } })
    .composite([{ input: square, left: 4 + 7 * (i % 4), top: 4 + 5 * (i % 4) }])
    .png()
    .toBuffer();
}

/**
 * Writes a small real ImageFolder tree (`<root>/<split>/<class>/<n>.png`): each class is a solid
 * colour with a differently placed square, so images are distinct and decodable.
 */
export async function writeImageFolder(
  root: string,
  classes: Record<string, [number, number, number]>,
  perSplit: { train: number; val: number; test: number } = { train: 2, val: 1, test: 1 },
): Promise<void> {
  for (const [split, count] of Object.entries(perSplit)) {
    for (const [className, [r, g, b]] of Object.entries(classes)) {
      const dir = path.join(root, split, className);
      await fs.mkdir(dir, { recursive: true });
      for (let i = 0; i < count; i++) {
        await fs.writeFile(path.join(dir, `${split}-${i}.png`), await classImage([r, g, b], i));
      }
    }
  }
}

import sharp from "sharp";
import type { LabeledImage } from "../../batches";
import { probeImage } from "../../images";
import { copyPasteItems } from "../copyPaste";

const NO_LOGO = 0;

async function solid(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();
}

/** A grey photo with a red logo square at (20, 30), 24 px. */
async function logoImage(): Promise<Buffer> {
  return sharp(await solid(120, 100, [128, 128, 128]))
    .composite([{ input: await solid(24, 24, [230, 20, 20]), left: 20, top: 30 }])
    .png()
    .toBuffer();
}

describe("COPY_PASTE", () => {
  it("pastes a training logo on every no-logo image, with a box around the pasted pixels, the same for a seed", async () => {
    const items: LabeledImage[] = [
      { source: await logoImage(), label: 1, boxes: [{ x: 20, y: 30, width: 24, height: 24 }] },
      { source: await solid(160, 90, [20, 20, 200]), label: NO_LOGO },
      { source: await solid(90, 160, [20, 200, 20]), label: NO_LOGO },
    ];
    const pasted = await copyPasteItems(items, NO_LOGO, 7);
    expect(pasted).toHaveLength(2);
    for (const [i, item] of pasted.entries()) {
      expect(item.label).toBe(1);
      const target = await probeImage(items[i + 1].source);
      expect(await probeImage(item.source)).toMatchObject({ width: target.width, height: target.height });
      const [box] = item.boxes!;
      expect(box.x + box.width).toBeLessThanOrEqual(target.width);
      expect(box.y + box.height).toBeLessThanOrEqual(target.height);
      // The box's centre is the pasted logo (red), outside it the target's own colour remains.
      const { data, info } = await sharp(item.source).raw().toBuffer({ resolveWithObject: true });
      const pixel = (x: number, y: number) =>
        Array.from(data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3));
      const [r, g, b] = pixel(Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2));
      expect(r).toBeGreaterThan(150);
      expect(g + b).toBeLessThan(150);
      const outside = box.x > 10 ? pixel(2, 2) : pixel(target.width - 3, target.height - 3);
      expect(outside[0]).toBeLessThan(60);
    }
    const again = await copyPasteItems(items, NO_LOGO, 7);
    expect(again.map((item) => item.boxes)).toEqual(pasted.map((item) => item.boxes));
    expect(await copyPasteItems(items.slice(1), NO_LOGO, 7)).toEqual([]);
  });
});

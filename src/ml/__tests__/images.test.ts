import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { InvalidImageError } from "../../errors";
import { centerCrop, drawTrainingPlan, evaluationPlan } from "../augment";
import { batchCount, epochOrder, imageBatches, prefetched, renderItem } from "../batches";
import { probeImage, renderImage } from "../images";
import { createRandom } from "../random";

/** A 40×20 image: left half red, right half blue. */
function halves(): sharp.Sharp {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="20" height="20" fill="#ff0000"/><rect x="20" width="20" height="20" fill="#0000ff"/></svg>`;
  return sharp(Buffer.from(svg));
}

function pixel(rgb: Uint8Array, size: number, x: number, y: number): number[] {
  const offset = (y * size + x) * 3;
  return Array.from(rgb.subarray(offset, offset + 3));
}

const IDENTITY = { isFlipped: false, brightness: 1, saturation: 1, contrast: 1 };

describe("image decoding", () => {
  it.each(["jpeg", "png", "webp"] as const)(
    "decodes %s and resizes to imageSize²×3 bytes",
    async (format) => {
      const bytes = await halves().toFormat(format).toBuffer();
      expect(await probeImage(bytes)).toEqual({ width: 40, height: 20, format });
      const rgb = await renderImage(
        bytes,
        { crop: { left: 0, top: 0, width: 40, height: 20 }, ...IDENTITY },
        8,
      );
      expect(rgb.length).toBe(8 * 8 * 3);
      expect(pixel(rgb, 8, 0, 4)[0]).toBeGreaterThan(200);
      expect(pixel(rgb, 8, 7, 4)[2]).toBeGreaterThan(200);
    },
  );

  it("rotates by EXIF orientation before cropping", async () => {
    const rotated = await halves()
      .png()
      .toBuffer()
      .then((png) => sharp(png).jpeg().withMetadata({ orientation: 6 }).toBuffer());
    const info = await probeImage(rotated);
    expect([info.width, info.height]).toEqual([20, 40]);
    // Orientation 6 = rotate 90° clockwise: the left (red) half ends up on top.
    const rgb = await renderImage(
      rotated,
      { crop: { left: 0, top: 0, width: 20, height: 40 }, ...IDENTITY },
      8,
    );
    expect(pixel(rgb, 8, 4, 0)[0]).toBeGreaterThan(200);
    expect(pixel(rgb, 8, 4, 7)[2]).toBeGreaterThan(200);
  });

  it("mirrors the image when the plan says flipped", async () => {
    const png = await halves().png().toBuffer();
    const rgb = await renderImage(
      png,
      { crop: { left: 0, top: 0, width: 40, height: 20 }, ...IDENTITY, isFlipped: true },
      8,
    );
    expect(pixel(rgb, 8, 0, 4)[2]).toBeGreaterThan(200);
  });

  it("rejects bytes that are not an image with InvalidImageError", async () => {
    await expect(probeImage(Buffer.from("definitely not an image"))).rejects.toThrow(InvalidImageError);
    await expect(probeImage(Buffer.from("definitely not an image"))).rejects.toThrow(
      /not a readable JPEG, PNG or WebP image/,
    );
  });

  it("rejects formats other than JPEG, PNG and WebP", async () => {
    const gif = await halves().gif().toBuffer();
    await expect(probeImage(gif)).rejects.toThrow('unsupported image format "gif"');
  });

  it("rejects decompression bombs over the pixel limit before decoding", async () => {
    const png = await sharp({ create: { width: 300, height: 300, channels: 3, background: "#fff" } })
      .png()
      .toBuffer();
    await expect(probeImage(png, 10_000)).rejects.toThrow(InvalidImageError);
    await expect(probeImage(png, 10_000)).rejects.toThrow(/pixel/);
  });

  it("rejects a truncated file", async () => {
    const jpeg = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#f00" } })
      .jpeg()
      .toBuffer();
    const truncated = jpeg.subarray(0, jpeg.length / 2);
    const plan = evaluationPlan(64, 64);
    await expect(renderImage(truncated, plan, 16)).rejects.toThrow(InvalidImageError);
  });
});

describe("augmentation plans", () => {
  it("center-crops 7/8 of each side for evaluation", () => {
    expect(centerCrop(256, 128)).toEqual({ left: 16, top: 8, width: 224, height: 112 });
    expect(evaluationPlan(256, 128)).toEqual({ crop: centerCrop(256, 128), ...IDENTITY });
  });

  it("draws the same plan for the same seed", () => {
    const all = ["HORIZONTAL_FLIP", "RANDOM_CROP", "COLOR_JITTER"] as const;
    expect(drawTrainingPlan(100, 80, all, createRandom(5))).toEqual(
      drawTrainingPlan(100, 80, all, createRandom(5)),
    );
  });

  it("flips about half the time and keeps random crops inside the image", () => {
    const random = createRandom(11);
    let flips = 0;
    for (let i = 0; i < 1000; i++) {
      const plan = drawTrainingPlan(100, 80, ["HORIZONTAL_FLIP", "RANDOM_RESIZED_CROP"], random);
      if (plan.isFlipped) flips++;
      expect(plan.crop.left + plan.crop.width).toBeLessThanOrEqual(100);
      expect(plan.crop.top + plan.crop.height).toBeLessThanOrEqual(80);
      expect(plan.crop.width * plan.crop.height).toBeGreaterThanOrEqual(0.2 * 8000);
    }
    expect(flips).toBeGreaterThan(450);
    expect(flips).toBeLessThan(550);
  });

  it("jitters colour within ±20 % only when asked", () => {
    const plan = drawTrainingPlan(50, 50, ["COLOR_JITTER"], createRandom(2));
    for (const factor of [plan.brightness, plan.saturation, plan.contrast]) {
      expect(Math.abs(factor - 1)).toBeLessThanOrEqual(0.2);
    }
    expect(drawTrainingPlan(50, 50, ["RANDOM_CROP"], createRandom(2)).brightness).toBe(1);
  });
});

describe("batches", () => {
  let directory: string;
  const files: string[] = [];

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), "logolab-images-"));
    for (let i = 0; i < 5; i++) {
      const file = path.join(directory, `${i}.png`);
      await writeFile(
        file,
        await sharp({ create: { width: 30, height: 20, channels: 3, background: { r: i * 50, g: 0, b: 0 } } })
          .png()
          .toBuffer(),
      );
      files.push(file);
    }
  });

  afterAll(() => rm(directory, { recursive: true, force: true }));

  it("yields loads in order while the next one is already running", async () => {
    const started: number[] = [];
    const seen: number[] = [];
    for await (const value of prefetched(3, async (i) => (started.push(i), i), 1)) {
      seen.push(value);
      expect(started.length).toBe(Math.min(3, value + 2));
    }
    expect(seen).toEqual([0, 1, 2]);
  });

  it("shuffles per epoch in train mode and keeps order in eval mode", () => {
    expect(epochOrder(5, { mode: "eval" })).toEqual([0, 1, 2, 3, 4]);
    const epoch1 = epochOrder(50, { mode: "train", seed: 1, epoch: 1 });
    expect(epochOrder(50, { mode: "train", seed: 1, epoch: 1 })).toEqual(epoch1);
    expect(epochOrder(50, { mode: "train", seed: 1, epoch: 2 })).not.toEqual(epoch1);
  });

  it("packs images as [n, s, s, 3] floats in [0, 1] with their labels, last batch short", async () => {
    const items = files.map((source, label) => ({ source, label }));
    const batches = [];
    for await (const batch of imageBatches(items, { imageSize: 4, batchSize: 2, mode: "eval" }))
      batches.push(batch);
    expect(batches.map((b) => b.size)).toEqual([2, 2, 1]);
    expect(batchCount(5, 2)).toBe(3);
    expect(Array.from(batches[1].labels)).toEqual([2, 3]);
    expect(batches[1].images.length).toBe(2 * 4 * 4 * 3);
    expect(batches[1].images[0]).toBeCloseTo(100 / 255, 2);
  });

  it("renders the same augmented pixels for the same (seed, epoch, item)", async () => {
    const item = { source: files[3], label: 0 };
    const options = {
      imageSize: 8,
      batchSize: 1,
      mode: "train" as const,
      augmentations: ["RANDOM_RESIZED_CROP", "COLOR_JITTER"] as const,
      seed: 4,
      epoch: 2,
    };
    const options2 = { ...options, augmentations: [...options.augmentations] };
    expect(await renderItem(item, 3, options2)).toEqual(await renderItem(item, 3, options2));
  });

  it("surfaces an unreadable item as InvalidImageError when its batch is consumed", async () => {
    const items = [{ source: path.join(directory, "missing.png"), label: 0 }];
    const iterate = async () => {
      for await (const _batch of imageBatches(items, { imageSize: 4, batchSize: 1, mode: "eval" }))
        void _batch;
    };
    await expect(iterate()).rejects.toThrow("image file not found");
  });
});

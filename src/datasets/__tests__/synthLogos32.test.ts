import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { ConflictError } from "../../errors";
import { FLICKRLOGOS32_BRANDS, parseBboxFile } from "../flickrLogos32Layout";
import { planFlickrLogos32Import } from "../flickrLogos32Importer";
import { SeededRandom } from "../seededRandom";
import { SYNTHLOGOS32_BRANDS } from "../synthBrands";
import { planSyntheticImage } from "../synthImagePlan";
import { readBackgroundIndex } from "../backgroundLibrary";
import { logoPixels } from "./fixtures/logoPixels";
import {
  SYNTH_MANIFEST_FILE,
  backgroundsOfRun,
  generateSynthLogos32,
  loadSynthResources,
  scaledSizes,
  type SynthLogos32Manifest,
  type SynthResources,
  type SynthSizes,
} from "../synthLogos32";

const TINY: SynthSizes = {
  trainPerBrand: 2,
  valPerBrand: 2,
  testPerBrand: 2,
  trainNoLogo: 0,
  valNoLogo: 3,
  testNoLogo: 3,
};
const BRANDS = SYNTHLOGOS32_BRANDS.filter((b) => ["adidas", "heineken", "redbull"].includes(b.className));

let workDir: string;
let shared: SynthResources;

async function fileHashes(dir: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await fs.readdir(path.join(dir, relative), { withFileTypes: true })) {
      const rel = path.join(relative, entry.name);
      if (entry.isDirectory()) await walk(rel);
      else
        hashes.set(
          rel,
          createHash("sha256")
            .update(await fs.readFile(path.join(dir, rel)))
            .digest("hex"),
        );
    }
  };
  await walk("");
  return hashes;
}

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-synth-"));
  shared = await loadSynthResources(BRANDS);
});

afterAll(async () => {
  await fs.rm(workDir, { recursive: true, force: true });
});

describe("SynthLogos-32 generator", () => {
  let first: { dir: string; manifest: SynthLogos32Manifest };

  beforeAll(async () => {
    first = await generateSynthLogos32({
      out: path.join(workDir, "a"),
      seed: 7,
      sizes: TINY,
      brands: BRANDS,
    });
  });

  it("writes the same bytes for the same seed", async () => {
    const second = await generateSynthLogos32({
      out: path.join(workDir, "b"),
      seed: 7,
      sizes: TINY,
      brands: BRANDS,
    });
    const [a, b] = [await fileHashes(first.dir), await fileHashes(second.dir)];
    expect(a.size).toBe(6 + 9 + 9 + 3 * 6 + 10);
    expect(b).toEqual(a);
  });

  it("writes different images for a different seed", async () => {
    const other = await generateSynthLogos32({
      out: path.join(workDir, "c"),
      seed: 8,
      sizes: TINY,
      brands: BRANDS,
    });
    const [a, c] = [await fileHashes(first.dir), await fileHashes(other.dir)];
    const jpg = "classes/jpg/adidas/100000000.jpg";
    expect(c.get(jpg)).not.toBe(a.get(jpg));
  });

  it("writes the FlickrLogos-32 layout that the importer reads, with both split recipes", async () => {
    const official = await planFlickrLogos32Import(first.dir, { recipe: "OFFICIAL" });
    expect(official.classes).toEqual(["adidas", "heineken", "no-logo", "redbull"]);
    expect([official.splits.train.length, official.splits.val.length, official.splits.test.length]).toEqual([
      6, 9, 9,
    ]);
    const article = await planFlickrLogos32Import(first.dir, { recipe: "ARTICLE" });
    expect([article.splits.train.length, article.splits.val.length, article.splits.test.length]).toEqual([
      7, 8, 9,
    ]);
    const lists = await fs.readFile(path.join(first.dir, "valset-nologos.relpaths.txt"), "utf8");
    expect(lists).toBe(
      "classes/jpg/no-logo/200000006.jpg\nclasses/jpg/no-logo/200000007.jpg\nclasses/jpg/no-logo/200000008.jpg\n",
    );
  });

  it("writes images that decode, with bbox files equal to the boxes it pasted", async () => {
    for (const image of first.manifest.images) {
      const meta = await sharp(path.join(first.dir, image.relpath), { failOn: "truncated" }).stats();
      expect(meta.channels).toHaveLength(3);
      if (image.className === "no-logo") {
        expect(image.bboxes).toEqual([]);
        continue;
      }
      const text = await fs.readFile(
        path.join(first.dir, image.relpath.replace("classes/jpg", "classes/masks") + ".bboxes.txt"),
        "utf8",
      );
      expect(parseBboxFile(text)).toEqual(image.bboxes);
      expect(image.bboxes.length).toBeGreaterThanOrEqual(1);
    }
  });

  it("records each brand's package, licence and the FlickrLogos-32 class it replaces", async () => {
    const manifest = JSON.parse(
      await fs.readFile(path.join(first.dir, SYNTH_MANIFEST_FILE), "utf8"),
    ) as SynthLogos32Manifest;
    expect(manifest.brands.map((b) => [b.className, b.artworkPackage, b.artworkLicense, b.replaces])).toEqual(
      [
        ["adidas", "@thesvg/icons", "CC0-1.0", undefined],
        ["heineken", "@thesvg/icons", "CC0-1.0", undefined],
        ["redbull", "@thesvg/icons", "CC0-1.0", "becks"],
      ],
    );
    expect(manifest.brands.map((b) => [b.className, b.alternateMarks?.map((m) => m.name)])).toEqual([
      ["adidas", undefined],
      ["heineken", ["white on the green label"]],
      ["redbull", undefined],
    ]);
    expect(manifest.backgrounds.count).toBeGreaterThanOrEqual(120);
    expect(await fs.readFile(path.join(first.dir, "BACKGROUND-LICENSES.md"), "utf8")).toMatch(
      /^# Background photographs/,
    );
  });

  it("draws on the training photos by default and on the held-out photos when asked", async () => {
    const pool = await readBackgroundIndex();
    const heldOut = new Set(pool.filter((photo) => photo.heldOut).map((photo) => photo.file));
    expect(first.manifest.backgrounds).toMatchObject({
      part: "TRAINING",
      partCount: pool.length - heldOut.size,
    });
    expect(first.manifest.images.every((image) => !heldOut.has(image.background.file))).toBe(true);
    const evaluation = await generateSynthLogos32({
      out: path.join(workDir, "held-out"),
      seed: 7,
      sizes: TINY,
      brands: BRANDS,
      resources: shared,
      backgroundPart: "HELD_OUT",
    });
    expect(evaluation.manifest.backgrounds).toMatchObject({ part: "HELD_OUT", partCount: heldOut.size });
    expect(evaluation.manifest.images.every((image) => heldOut.has(image.background.file))).toBe(true);
    expect(backgroundsOfRun(pool, pool, "ALL")).toHaveLength(pool.length);
    expect(() =>
      backgroundsOfRun(
        pool.filter((p) => !p.heldOut),
        pool,
        "HELD_OUT",
      ),
    ).toThrow("no background photographs in part HELD_OUT");
  });

  it("refuses a non-empty output folder and leaves it untouched", async () => {
    await expect(
      generateSynthLogos32({ out: first.dir, seed: 1, sizes: TINY, brands: BRANDS }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect((await fs.readdir(workDir)).filter((n) => n.startsWith("."))).toEqual([]);
  });
});

describe("SynthLogos-32 brands and sizes", () => {
  it("has 32 brands: 18 FlickrLogos-32 brands and 14 substitutes covering the other 14", () => {
    expect(SYNTHLOGOS32_BRANDS).toHaveLength(32);
    const kept = SYNTHLOGOS32_BRANDS.filter((b) => b.replaces === undefined).map((b) => b.className);
    const replaced = SYNTHLOGOS32_BRANDS.flatMap((b) => (b.replaces === undefined ? [] : [b.replaces]));
    expect(kept).toHaveLength(18);
    expect(kept.every((c) => FLICKRLOGOS32_BRANDS.includes(c))).toBe(true);
    expect([...kept, ...replaced].sort()).toEqual([...FLICKRLOGOS32_BRANDS].sort());
  });

  it("follows FlickrLogos-32's sizes, multiplied by scale", () => {
    expect(scaledSizes(1)).toEqual({
      trainPerBrand: 10,
      valPerBrand: 30,
      testPerBrand: 30,
      trainNoLogo: 0,
      valNoLogo: 3000,
      testNoLogo: 3000,
    });
    expect(scaledSizes(2).valNoLogo).toBe(6000);
    expect(scaledSizes(0.01).trainPerBrand).toBe(1);
    expect(() => scaledSizes(0)).toThrow("scale must be a positive number, got 0");
  });
});

describe("SynthLogos-32 compositing", () => {
  it("never gives two splits the same background crop", async () => {
    const { ctxBase } = shared;
    const cropsOf = (split: string, residue: number) => {
      const crops = new Set<string>();
      for (let i = 0; i < 1500; i++) {
        const plan = planSyntheticImage(
          new SeededRandom(`s:${split}:${i}`),
          { ...ctxBase, splitResidue: residue },
          null,
        );
        const { file, crop } = plan.background;
        expect(crop.x % 3).toBe(residue);
        crops.add(`${file}:${crop.x},${crop.y},${crop.width},${crop.height}`);
      }
      return crops;
    };
    const [train, val, test] = [cropsOf("train", 0), cropsOf("val", 1), cropsOf("test", 2)];
    for (const crop of val) expect(train.has(crop) || test.has(crop)).toBe(false);
    for (const crop of test) expect(train.has(crop)).toBe(false);
  });

  it("boxes exactly the pixels the logos changed", async () => {
    const { resources, ctxBase } = shared;
    let checkedLogos = 0;
    for (let i = 0; i < 16; i++) {
      const plan = planSyntheticImage(
        new SeededRandom(`boxes:${i}`),
        { ...ctxBase, splitResidue: 0 },
        BRANDS[i % 3].className,
      );
      const {
        boxes,
        inside: changedPerBox,
        outside: changedOutsideBoxes,
        width,
        height,
      } = await logoPixels(plan, resources);
      expect(changedOutsideBoxes).toBe(0);
      boxes.forEach((box, k) => {
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.y).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(width);
        expect(box.y + box.height).toBeLessThanOrEqual(height);
        expect(changedPerBox[k]).toBeGreaterThan(0.1 * box.width * box.height);
      });
      expect(boxes.length).toBe(plan.logos.length);
      checkedLogos += boxes.length;
    }
    expect(checkedLogos).toBeGreaterThanOrEqual(16);
  });
});

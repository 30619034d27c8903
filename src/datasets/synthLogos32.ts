import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { ConflictError, ValidationError } from "../errors";
import { rasteriseSvg, type RasterPyramid } from "./artworkRaster";
import type { BackgroundPart } from "../vocabulary";
import {
  BackgroundLibrary,
  backgroundsOfPart,
  DEFAULT_BACKGROUNDS_DIR,
  readBackgroundIndex,
  type BackgroundPhoto,
} from "./backgroundLibrary";
import { SPLIT_NAMES, NO_LOGO_CLASS, type BoundingBox, type SplitName } from "./datasetManifest";
import { buildClutterPool } from "./clutterSprites";
import {
  DEFAULT_RANDOMISATION,
  elementsOf,
  type Randomisation,
  type RandomisationElement,
} from "./domainRandomisation";
import { buildHardNegativePool } from "./hardNegatives";
import {
  CLASS_ID_FILE,
  LIST_FILES,
  PAIR_LIST_FILES,
  bboxRelpath,
  formatBboxFile,
  formatClassIdFile,
  formatRelpathsList,
  imageRelpath,
} from "./flickrLogos32Layout";
import type { DatasetProgressCallback } from "./importProgress";
import { mapConcurrently } from "./mapConcurrently";
import { SeededRandom } from "./seededRandom";
import {
  SYNTHLOGOS32_BRANDS,
  brandMarks,
  loadMarkSvg,
  readArtworkLicense,
  rgbOfHex,
  type SynthBrand,
} from "./synthBrands";
import { planSyntheticImage, type CropRect, type PlanContext } from "./synthImagePlan";
import { renderSyntheticImage, type RenderResources } from "./synthImageRender";

/** Images per split: logo images per brand, and no-logo images. */
export interface SynthSizes {
  trainPerBrand: number;
  valPerBrand: number;
  testPerBrand: number;
  trainNoLogo: number;
  valNoLogo: number;
  testNoLogo: number;
}

/** FlickrLogos-32's sizes: train 10/brand (no no-logo), val and test 30/brand + 3,000 no-logo. */
export const FLICKRLOGOS32_SIZES: SynthSizes = {
  trainPerBrand: 10,
  valPerBrand: 30,
  testPerBrand: 30,
  trainNoLogo: 0,
  valNoLogo: 3000,
  testNoLogo: 3000,
};

/** FlickrLogos-32's sizes times `scale` (rounded; at least one logo image per brand and split). */
export function scaledSizes(scale: number): SynthSizes {
  if (!(scale > 0) || !Number.isFinite(scale)) {
    throw new ValidationError(`scale must be a positive number, got ${scale}`, { field: "scale" });
  }
  const times = (n: number, min: number) => Math.max(min, Math.round(n * scale));
  return {
    trainPerBrand: times(FLICKRLOGOS32_SIZES.trainPerBrand, 1),
    valPerBrand: times(FLICKRLOGOS32_SIZES.valPerBrand, 1),
    testPerBrand: times(FLICKRLOGOS32_SIZES.testPerBrand, 1),
    trainNoLogo: 0,
    valNoLogo: times(FLICKRLOGOS32_SIZES.valNoLogo, 0),
    testNoLogo: times(FLICKRLOGOS32_SIZES.testNoLogo, 0),
  };
}

/** Options of `generateSynthLogos32`. */
export interface SynthLogos32Options {
  /** Output folder (the FlickrLogos-v2 equivalent); must not exist or be empty. */
  out: string;
  seed: number | string;
  /** Multiplies FlickrLogos-32's sizes (default 1); ignored when `sizes` is given. */
  scale?: number;
  sizes?: SynthSizes;
  /** Per-split seeds; default `<seed>:train`, `<seed>:val`, `<seed>:test`. */
  splitSeeds?: Partial<Record<SplitName, string>>;
  /** Brands to draw (default all 32; tests use fewer). */
  brands?: readonly SynthBrand[];
  /** Domain-randomisation elements on or off (default: all on). */
  randomisation?: Randomisation;
  /** Which background photos to draw on (default TRAINING: never the held-out ones). */
  backgroundPart?: BackgroundPart;
  backgroundsDir?: string;
  /** Already loaded resources for `brands` (tests and preview scripts reuse one load). */
  resources?: SynthResources;
  /** Images rendered at once (default 8: keeps libvips' threads busy while JS warps logos). */
  concurrency?: number;
  onProgress?: DatasetProgressCallback;
}

/** Provenance of one generated image, as recorded in `synthlogos32.json`. */
export interface SynthImageRecord {
  relpath: string;
  split: SplitName;
  className: string;
  background: { file: string; crop: CropRect };
  bboxes: BoundingBox[];
  jpegQuality: number;
  /** The domain-randomisation elements this image shows. */
  effects: RandomisationElement[];
}

/** `synthlogos32.json`: how the tree was made, from what, under which licences. */
export interface SynthLogos32Manifest {
  name: "SynthLogos-32";
  formatVersion: 1;
  seed: string;
  splitSeeds: Record<SplitName, string>;
  sizes: SynthSizes;
  /** The domain-randomisation elements that were on. */
  randomisation: RandomisationElement[];
  brands: (SynthBrand & { artworkLicense: string })[];
  backgrounds: {
    count: number;
    licensesFile: string;
    licenses: Record<string, number>;
    /** The part of the pool drawn on, and how many of its photos. */
    part: BackgroundPart;
    partCount: number;
  };
  images: SynthImageRecord[];
}

/** Name of the provenance manifest written next to the lists. */
export const SYNTH_MANIFEST_FILE = "synthlogos32.json";
/** Copy of `data/backgrounds/LICENSES.md` written into every generated tree (CC-BY attribution). */
export const BACKGROUND_LICENSES_FILE = "BACKGROUND-LICENSES.md";

interface ImageJob {
  split: SplitName;
  index: number;
  className: string;
  rngKey: string;
  fileName: string;
}

const SPLIT_DIGIT: Record<SplitName, number> = { train: 1, val: 2, test: 3 };

/** The images of one split: each brand's logo images in brand order, then no-logo images. */
function splitJobs(
  split: SplitName,
  splitSeed: string,
  brands: readonly SynthBrand[],
  sizes: SynthSizes,
): ImageJob[] {
  const perBrand = { train: sizes.trainPerBrand, val: sizes.valPerBrand, test: sizes.testPerBrand }[split];
  const noLogo = { train: sizes.trainNoLogo, val: sizes.valNoLogo, test: sizes.testNoLogo }[split];
  const classes = [
    ...brands.flatMap((b) => Array<string>(perBrand).fill(b.className)),
    ...Array<string>(noLogo).fill(NO_LOGO_CLASS),
  ];
  return classes.map((className, index) => ({
    split,
    index,
    className,
    rngKey: `${splitSeed}:${index}`,
    fileName: `${SPLIT_DIGIT[split]}${String(index).padStart(8, "0")}.jpg`,
  }));
}

/** Everything a generator run draws from, loaded once. */
export interface SynthResources {
  resources: RenderResources;
  photos: readonly BackgroundPhoto[];
  /** The plan context minus the split's crop residue. */
  ctxBase: Omit<PlanContext, "splitResidue">;
}

/** Rasterises each brand's artwork once, builds the clutter pool and indexes the backgrounds. */
export async function loadSynthResources(
  brands: readonly SynthBrand[],
  backgroundsDir: string = DEFAULT_BACKGROUNDS_DIR,
): Promise<SynthResources> {
  const photos = await readBackgroundIndex(backgroundsDir);
  if (photos.length === 0)
    throw new ValidationError(`no background photographs in ${backgroundsDir}`, { field: "backgroundsDir" });
  const marks = brands.flatMap((brand) => brandMarks(brand).map((mark) => ({ brand, mark })));
  const pyramids = await mapConcurrently(marks, 4, ({ mark }) => rasteriseSvg(loadMarkSvg(mark)));
  const logos = new Map<string, RasterPyramid[]>(brands.map((b) => [b.className, []]));
  marks.forEach(({ brand }, i) => logos.get(brand.className)?.push(pyramids[i]));
  const grounds = new Map(
    brands.map((b) => [
      b.className,
      brandMarks(b).map((mark) => (mark.groundColour === undefined ? null : rgbOfHex(mark.groundColour))),
    ]),
  );
  const clutter = await buildClutterPool(48);
  const hardNegatives = await buildHardNegativePool(64);
  const aspectOf = (pyramid: RasterPyramid) => pyramid[0].width / pyramid[0].height;
  return {
    resources: { backgrounds: new BackgroundLibrary(backgroundsDir, photos), logos, clutter, hardNegatives },
    photos,
    ctxBase: {
      backgrounds: photos,
      logoAspect: (className, mark) => aspectOf((logos.get(className) as RasterPyramid[])[mark]),
      markCount: (className) => (logos.get(className) as RasterPyramid[]).length,
      markGround: (className, mark) => grounds.get(className)?.[mark] ?? null,
      clutterAspects: clutter.map(aspectOf),
      hardNegativeAspects: hardNegatives.map(aspectOf),
    },
  };
}

/**
 * The background photos of `part` among `candidates` (the plan context's photos), by the pool's
 * held-out flags; throws when the part has none.
 */
export function backgroundsOfRun<T extends { file: string }>(
  candidates: readonly T[],
  pool: readonly BackgroundPhoto[],
  part: BackgroundPart,
): T[] {
  if (part === "ALL") return [...candidates];
  const heldOut = new Set(backgroundsOfPart(pool, "heldOut").map((photo) => photo.file));
  const chosen = candidates.filter((photo) => heldOut.has(photo.file) === (part === "HELD_OUT"));
  if (chosen.length === 0) {
    throw new ValidationError(`no background photographs in part ${part}`, { field: "backgrounds" });
  }
  return chosen;
}

async function prepareTempDir(out: string): Promise<string> {
  if (existsSync(out) && (await fs.readdir(out)).length > 0) {
    throw new ConflictError(`output directory ${out} exists and is not empty`, { field: "out" });
  }
  await fs.mkdir(path.dirname(out), { recursive: true });
  return path.join(path.dirname(out), `.${path.basename(out)}.partial-${randomBytes(6).toString("hex")}`);
}

async function writeLists(
  dir: string,
  records: readonly SynthImageRecord[],
  brands: readonly SynthBrand[],
): Promise<void> {
  const sourceOf = (r: SynthImageRecord) => imageRelpath(r.className, path.basename(r.relpath));
  const of = (split: SplitName, isLogo: boolean | null) =>
    records
      .filter((r) => r.split === split && (isLogo === null || (r.className !== NO_LOGO_CLASS) === isLogo))
      .map(sourceOf);
  await fs.writeFile(path.join(dir, LIST_FILES.train), formatRelpathsList(of("train", null)));
  await fs.writeFile(path.join(dir, LIST_FILES.valLogos), formatRelpathsList(of("val", true)));
  await fs.writeFile(path.join(dir, LIST_FILES.valNoLogos), formatRelpathsList(of("val", false)));
  await fs.writeFile(path.join(dir, LIST_FILES.test), formatRelpathsList(of("test", null)));
  const pairs = (split: SplitName) =>
    records
      .filter((r) => r.split === split)
      .map((r) => `${r.className},${path.basename(r.relpath)}\n`)
      .join("");
  for (const split of SPLIT_NAMES) await fs.writeFile(path.join(dir, PAIR_LIST_FILES[split]), pairs(split));
  await fs.writeFile(
    path.join(dir, CLASS_ID_FILE),
    formatClassIdFile([NO_LOGO_CLASS, ...brands.map((b) => b.className)]),
  );
}

/**
 * Generates SynthLogos-32 in exactly the FlickrLogos-32 layout (`classes/jpg/<class>/<id>.jpg`,
 * `classes/masks/<class>/<id>.jpg.bboxes.txt`, the four relpaths lists, `className2ClassID.txt`)
 * plus `synthlogos32.json` (brands with package, licence and substitution; every image's
 * background crop and boxes) and `BACKGROUND-LICENSES.md`. The same seed gives byte-identical
 * files; train/val/test use separate seeds and disjoint crop lattices, so no background crop is
 * shared between splits. Written to a temp folder renamed into place: a failure leaves nothing.
 */
export async function generateSynthLogos32(
  options: SynthLogos32Options,
): Promise<{ dir: string; manifest: SynthLogos32Manifest }> {
  const out = path.resolve(options.out);
  const sizes = options.sizes ?? scaledSizes(options.scale ?? 1);
  const brands = options.brands ?? SYNTHLOGOS32_BRANDS;
  const seed = String(options.seed);
  const splitSeeds = Object.fromEntries(
    SPLIT_NAMES.map((split) => [split, options.splitSeeds?.[split] ?? `synthlogos32:${seed}:${split}`]),
  ) as Record<SplitName, string>;
  const backgroundsDir = options.backgroundsDir ?? DEFAULT_BACKGROUNDS_DIR;
  const randomisation = options.randomisation ?? DEFAULT_RANDOMISATION;
  const backgroundPart = options.backgroundPart ?? "TRAINING";
  const tempDir = await prepareTempDir(out);
  try {
    const { resources, photos, ctxBase } =
      options.resources ?? (await loadSynthResources(brands, backgroundsDir));
    const backgrounds = backgroundsOfRun(ctxBase.backgrounds, photos, backgroundPart);
    const jobs = SPLIT_NAMES.flatMap((split) => splitJobs(split, splitSeeds[split], brands, sizes));
    for (const className of [...brands.map((b) => b.className), NO_LOGO_CLASS]) {
      await fs.mkdir(path.join(tempDir, "classes/jpg", className), { recursive: true });
      if (className !== NO_LOGO_CLASS)
        await fs.mkdir(path.join(tempDir, "classes/masks", className), { recursive: true });
    }
    let done = 0;
    const records = await mapConcurrently(
      jobs,
      options.concurrency ?? 8,
      async (job): Promise<SynthImageRecord> => {
        const ctx: PlanContext = {
          ...ctxBase,
          backgrounds,
          splitResidue: SPLIT_NAMES.indexOf(job.split),
          randomisation,
        };
        const isLogo = job.className !== NO_LOGO_CLASS;
        const plan = planSyntheticImage(
          new SeededRandom(job.rngKey),
          ctx,
          isLogo ? job.className : null,
          job.rngKey,
        );
        const { jpeg, bboxes } = await renderSyntheticImage(plan, resources);
        const relpath = imageRelpath(job.className, job.fileName);
        await fs.writeFile(path.join(tempDir, relpath), jpeg);
        if (isLogo)
          await fs.writeFile(
            path.join(tempDir, bboxRelpath(job.className, job.fileName)),
            formatBboxFile(bboxes),
          );
        options.onProgress?.({ phase: "generating", done: ++done, total: jobs.length });
        return {
          relpath,
          split: job.split,
          className: job.className,
          background: plan.background,
          bboxes,
          jpegQuality: plan.jpegQuality,
          effects: plan.applied,
        };
      },
    );
    await writeLists(tempDir, records, brands);
    const licenses: Record<string, number> = {};
    for (const photo of photos) licenses[photo.license] = (licenses[photo.license] ?? 0) + 1;
    const manifest: SynthLogos32Manifest = {
      name: "SynthLogos-32",
      formatVersion: 1,
      seed,
      splitSeeds,
      sizes,
      randomisation: elementsOf(randomisation),
      brands: brands.map(({ alternateMarks, ...brand }) => ({
        ...brand,
        artworkLicense: readArtworkLicense(brand),
        // The marks an image may show: the alternates only when BRAND_MARKS draws among them.
        ...(randomisation.BRAND_MARKS && alternateMarks !== undefined
          ? { alternateMarks: alternateMarks.map((m) => ({ ...m, artworkLicense: readArtworkLicense(m) })) }
          : {}),
      })),
      backgrounds: {
        count: photos.length,
        licensesFile: BACKGROUND_LICENSES_FILE,
        licenses,
        part: backgroundPart,
        partCount: backgrounds.length,
      },
      images: records,
    };
    await fs.writeFile(path.join(tempDir, SYNTH_MANIFEST_FILE), JSON.stringify(manifest, null, 1) + "\n");
    await fs.copyFile(path.join(backgroundsDir, "LICENSES.md"), path.join(tempDir, BACKGROUND_LICENSES_FILE));
    if (existsSync(out)) await fs.rmdir(out);
    await fs.rename(tempDir, out);
    return { dir: out, manifest };
  } catch (error) {
    await fs.rm(tempDir, { recursive: true, force: true });
    throw error;
  }
}

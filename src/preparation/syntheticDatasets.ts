import type { BackgroundPart } from "../vocabulary";
import {
  DEFAULT_RANDOMISATION,
  elementsOf,
  randomisationOf,
  type RandomisationElement,
} from "../datasets/domainRandomisation";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { summarisePlannedDataset, type DatasetContentSummary } from "../datasets/contentHash";
import { planImport } from "../datasets/importDataset";
import type { DatasetProgress, DatasetProgressCallback } from "../datasets/importProgress";
import { materialiseDataset, readDatasetManifest } from "../datasets/materialiseDataset";
import type { SplitRecipe } from "../vocabulary";
import {
  BACKGROUND_LICENSES_FILE,
  SYNTH_MANIFEST_FILE,
  generateSynthLogos32,
  scaledSizes,
  type SynthLogos32Manifest,
  type SynthSizes,
} from "../datasets/synthLogos32";
import { NotFoundError, ValidationError } from "../errors";
import type {
  Dataset,
  DatasetContent,
  DatasetRegistry,
  DatasetSourceRecord,
  DatasetSummary,
} from "../experiments/datasets";
import { PREPARING_STATUSES } from "../vocabulary";
import { managedDatasetDir, type DatasetStorage } from "./managedDatasetDir";
import { PreparationProgress, type PreparationProgressTiming } from "./preparationProgress";

/** Explicit split sizes of a generated dataset (the FlickrLogos-32 layout has no no-logo training list). */
export type SyntheticSizesRequest = Omit<SynthSizes, "trainNoLogo">;

/** What `generateSyntheticDataset` accepts; null or absent fields take their defaults. */
export interface SyntheticDatasetRequest {
  /** Non-negative integer (default 1); the same seed gives byte-identical images. */
  seed?: number | null;
  /** Multiplies FlickrLogos-32's split sizes (default 1); not with `sizes`. */
  scale?: number | null;
  /** Images per split instead of a scale of FlickrLogos-32's. */
  sizes?: SyntheticSizesRequest | null;
  /** Registry name (default `SynthLogos-32`). */
  name?: string | null;
  /** FlickrLogos-32 split recipe applied to the generated tree (default ARTICLE). */
  splitRecipe?: SplitRecipe | null;
  /** Domain-randomisation elements to switch on (default: all of them; `[]`: none). */
  randomisation?: readonly RandomisationElement[] | null;
  /** Which background photos to draw on (default TRAINING). */
  backgrounds?: BackgroundPart | null;
}

/** A request with its defaults filled in and validated. */
export interface SyntheticDatasetSpec {
  name: string;
  seed: number;
  /** The scale asked for; null when explicit sizes were. */
  scale: number | null;
  /** The images each split gets (a scale resolved to sizes). */
  sizes: SynthSizes;
  splitRecipe: SplitRecipe;
  /** The elements on, in catalogue order. */
  randomisation: RandomisationElement[];
  backgrounds: BackgroundPart;
}

/**
 * Sizes for training a model that works (what `npm start` generates first): 100 logo images per
 * brand to train on, 20 to validate, 30 to test, and no-logo images of which the ARTICLE recipe moves
 * half of the validation ones into train (800 train, 800 val, 1,000 test): 7,400 images, about
 * two minutes on 2 cores. FlickrLogos-32's own sizes (`scale: 1`) have 10 training images per brand,
 * the article's setting, too few for any model to learn a brand from.
 */
export const TRAINING_SIZES: SyntheticSizesRequest = {
  trainPerBrand: 100,
  valPerBrand: 20,
  testPerBrand: 30,
  valNoLogo: 1600,
  testNoLogo: 1000,
};
/** Most images per brand and split, and no-logo images per split, a request may ask for. */
export const MAX_SYNTHETIC_IMAGES_PER_SPLIT = { perBrand: 1000, noLogo: 30_000 };

/** Name of the default synthetic dataset (and of its generator). */
export const SYNTHLOGOS32_NAME = "SynthLogos-32";
/** Smallest accepted scale: one logo image per brand and split, 30 no-logo images in val and test. */
export const MIN_SYNTHETIC_SCALE = 0.01;
/** Largest accepted scale: ~82,000 images, over a quarter of an hour on 2 cores. */
export const MAX_SYNTHETIC_SCALE = 10;
const MAX_NAME_LENGTH = 100;

/** Fills in defaults and validates; throws ValidationError naming the offending field. */
export function normaliseSyntheticRequest(request: SyntheticDatasetRequest): SyntheticDatasetSpec {
  const seed = request.seed ?? 1;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new ValidationError(`seed must be a non-negative integer, got ${seed}`, { field: "seed" });
  }
  const name = request.name?.trim() || SYNTHLOGOS32_NAME;
  if (name.length > MAX_NAME_LENGTH) {
    throw new ValidationError(`name must be at most ${MAX_NAME_LENGTH} characters`, { field: "name" });
  }
  const splitRecipe = request.splitRecipe ?? "ARTICLE";
  const randomisation = elementsOf(
    request.randomisation ? randomisationOf(request.randomisation) : DEFAULT_RANDOMISATION,
  );
  const backgrounds = request.backgrounds ?? "TRAINING";
  if (request.sizes) {
    if (request.scale !== null && request.scale !== undefined) {
      throw new ValidationError("give scale or sizes, not both", { field: "sizes" });
    }
    return {
      name,
      seed,
      scale: null,
      sizes: validatedSizes(request.sizes),
      splitRecipe,
      randomisation,
      backgrounds,
    };
  }
  const scale = request.scale ?? 1;
  if (!Number.isFinite(scale) || scale < MIN_SYNTHETIC_SCALE || scale > MAX_SYNTHETIC_SCALE) {
    throw new ValidationError(
      `scale must be between ${MIN_SYNTHETIC_SCALE} and ${MAX_SYNTHETIC_SCALE}, got ${scale}`,
      { field: "scale" },
    );
  }
  return { name, seed, scale, sizes: scaledSizes(scale), splitRecipe, randomisation, backgrounds };
}

/** Explicit sizes checked: at least one logo image per brand in each split, within the caps. */
function validatedSizes(sizes: SyntheticSizesRequest): SynthSizes {
  const { perBrand, noLogo } = MAX_SYNTHETIC_IMAGES_PER_SPLIT;
  for (const field of ["trainPerBrand", "valPerBrand", "testPerBrand"] as const) {
    const value = sizes[field];
    if (!Number.isInteger(value) || value < 1 || value > perBrand) {
      throw new ValidationError(`sizes.${field} must be an integer in [1, ${perBrand}], got ${value}`, {
        field: `sizes.${field}`,
      });
    }
  }
  for (const field of ["valNoLogo", "testNoLogo"] as const) {
    const value = sizes[field];
    if (!Number.isInteger(value) || value < 0 || value > noLogo) {
      throw new ValidationError(`sizes.${field} must be an integer in [0, ${noLogo}], got ${value}`, {
        field: `sizes.${field}`,
      });
    }
  }
  return { ...sizes, trainNoLogo: 0 };
}

/**
 * Where each phase falls in the overall progress (0–1). Measured at scale 0.05 and 1: generating
 * takes about three quarters of the time, decoding every image again to validate most of the rest.
 */
const PHASE_SPANS: Record<DatasetProgress["phase"], readonly [number, number]> = {
  generating: [0, 0.75],
  validating: [0.75, 0.95],
  hashing: [0.95, 0.99],
  writing: [0.99, 1],
};

/** The share of a whole generation (generate → validate → hash → write) that a step report means. */
export function overallProgress(step: DatasetProgress): number {
  const [from, to] = PHASE_SPANS[step.phase];
  return from + (to - from) * (step.total > 0 ? Math.min(1, step.done / step.total) : 1);
}

/**
 * The registry's record of a generated dataset: its content summary plus how it was made
 * (`generator`: seed, scale, sizes, split seeds), from what (`sources`: brand artwork with
 * packages, licences and substitutions; `backgrounds`: licence counts) and the class counts.
 */
export function syntheticDatasetContent(
  spec: SyntheticDatasetSpec,
  generated: SynthLogos32Manifest,
  summary: DatasetContentSummary,
): DatasetContent {
  const sources: DatasetSourceRecord[] = generated.brands.map((brand) => ({
    className: brand.className,
    title: brand.title,
    package: brand.artworkPackage,
    packageVersion: brand.packageVersion,
    packageLicense: brand.packageLicense,
    license: brand.artworkLicense,
    substitutedFor: brand.replaces ?? null,
    alternateMarks: (brand.alternateMarks ?? []).map((mark) => ({
      name: mark.name,
      package: mark.artworkPackage,
      packageVersion: mark.packageVersion,
      license: mark.artworkLicense,
    })),
  }));
  const datasetSummary: DatasetSummary = {
    source: { kind: "synthlogos32", recipe: spec.splitRecipe },
    generator: {
      name: generated.name,
      seed: spec.seed,
      scale: spec.scale,
      sizes: generated.sizes,
      randomisation: generated.randomisation,
      backgrounds: spec.backgrounds,
      splitSeeds: generated.splitSeeds,
    },
    sources,
    backgrounds: generated.backgrounds,
    classCounts: summary.classCounts,
    boxedImageCounts: summary.boxedImageCounts,
  };
  return {
    contentHash: summary.contentHash,
    classes: summary.classes,
    splitCounts: summary.splitCounts,
    summary: datasetSummary,
  };
}

/** How a generator writes progress, detects abandoned work and reports background errors. */
export interface SyntheticGenerationSettings {
  progress: PreparationProgressTiming;
  /** A preparation whose row has not changed for this long is taken as abandoned, ms. */
  staleAfterMs: number;
  /** Receives errors of background work that cannot be recorded on the dataset. */
  logError: (error: unknown) => void;
}

/** Preparations stamp their row at least every 30 s, so one silent for 2 minutes has stopped. */
export const PREPARATION_STALE_AFTER_MS = 120_000;

/** Progress written about once a second (what `datasets` shows), heartbeat every 30 s. */
export const DEFAULT_SYNTHETIC_SETTINGS: SyntheticGenerationSettings = {
  progress: { intervalMs: 1_000, heartbeatMs: 30_000 },
  staleAfterMs: PREPARATION_STALE_AFTER_MS,
  logError: (error) => console.error("[logolab datasets]", error),
};

/** A started (or found) synthetic dataset. */
export interface SyntheticGeneration {
  /** The dataset as registered now (GENERATING), or the READY or preparing one found. */
  dataset: Dataset;
  /** Whether `dataset` existed before this request. */
  isExisting: boolean;
  /** Settles with the dataset READY or FAILED; rejects only when the registry cannot be written. */
  finished: Promise<Dataset>;
}

/** Folder under the datasets directory where trees are generated before their import. */
const SCRATCH_DIR = ".synthetic-scratch";
const SETTLED_POLL_MS = 1_000;

/** Files of the generated tree kept beside the managed copy: per-image provenance, CC-BY attribution. */
const PROVENANCE_FILES = [SYNTH_MANIFEST_FILE, BACKGROUND_LICENSES_FILE];

/** Removes a scratch tree; one whose parent could not be created (ENOTDIR) was never written. */
async function removeScratchDir(dir: string): Promise<void> {
  try {
    await fs.rm(dir, { recursive: true, force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOTDIR") throw error;
  }
}

/** The message of an error; Node's system errors are not `instanceof Error` under every VM (jest). */
function failureReason(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === "string" ? message : String(error);
}

/**
 * Generates SynthLogos-32 datasets in the background of this process: registers the dataset as
 * GENERATING at once, then generates the tree into a scratch folder, imports it with the
 * FlickrLogos-32 importer and the split recipe into the managed directory and marks it READY (or
 * FAILED with the reason). Generations run one at a time: each already keeps the cores busy.
 */
export class SyntheticDatasetGenerator {
  private admissions: Promise<unknown> = Promise.resolve();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly inFlight = new Map<string, Promise<Dataset>>();
  private readonly reporters = new Map<string, PreparationProgress>();
  private isInterrupted = false;

  constructor(
    private readonly registry: DatasetRegistry,
    private readonly storage: Pick<DatasetStorage, "datasetsDir">,
    private readonly settings: SyntheticGenerationSettings = DEFAULT_SYNTHETIC_SETTINGS,
  ) {}

  /**
   * Returns a READY (else a preparing) dataset made with the same name, seed, scale and recipe, or
   * registers a new GENERATING one and queues its generation. `onProgress` hears every step.
   */
  start(
    request: SyntheticDatasetRequest,
    onProgress?: DatasetProgressCallback,
  ): Promise<SyntheticGeneration> {
    const spec = normaliseSyntheticRequest(request);
    // One admission at a time, so two identical requests cannot both register a dataset.
    const admitted = this.admissions.then(() => this.admit(spec, onProgress));
    this.admissions = admitted.catch(() => undefined);
    return admitted;
  }

  /** Resolves once no generation is queued or running (tests and shutdown wait on it). */
  async whenIdle(): Promise<void> {
    let admissions: Promise<unknown>;
    let queue: Promise<unknown>;
    do {
      admissions = this.admissions;
      queue = this.queue;
      await admissions;
      await queue;
    } while (admissions !== this.admissions || queue !== this.queue);
  }

  /**
   * For a graceful shutdown: marks every queued or running generation of this process FAILED with
   * `reason` at once (instead of leaving it GENERATING until a later start finds it abandoned),
   * records nothing more for them, and resolves once they have stopped (a running one at its next
   * image), so nothing writes after the database closes. Returns how many were marked.
   */
  async interrupt(reason: string): Promise<number> {
    this.isInterrupted = true;
    let failedCount = 0;
    const running = [...this.inFlight.entries()];
    for (const [id] of running) {
      await this.reporters.get(id)?.stop();
      if (await this.registry.failPreparation(id, reason)) failedCount++;
    }
    await Promise.all(running.map(([, run]) => run.catch(() => undefined)));
    return failedCount;
  }

  /** Deletes scratch trees left by generations that were interrupted (call only when none runs). */
  async removeScratch(): Promise<void> {
    await fs.rm(path.join(this.storage.datasetsDir, SCRATCH_DIR), { recursive: true, force: true });
  }

  private async admit(
    spec: SyntheticDatasetSpec,
    onProgress: DatasetProgressCallback | undefined,
  ): Promise<SyntheticGeneration> {
    // A row left GENERATING by a crashed process must not be handed out as "in progress".
    await this.registry.failAbandonedPreparations(new Date(Date.now() - this.settings.staleAfterMs));
    const parameters = {
      seed: spec.seed,
      sizes: spec.sizes,
      randomisation: spec.randomisation,
      backgrounds: spec.backgrounds,
    };
    const existing =
      (await this.registry.findSynthetic(spec.name, spec.splitRecipe, parameters, ["READY"])) ??
      (await this.registry.findSynthetic(spec.name, spec.splitRecipe, parameters, PREPARING_STATUSES));
    if (existing) return { dataset: existing, isExisting: true, finished: this.settled(existing) };

    const scratchDir = path.join(this.storage.datasetsDir, SCRATCH_DIR, randomBytes(8).toString("hex"));
    const dataset = await this.registry.register({
      name: spec.name,
      format: "SYNTHETIC",
      status: "GENERATING",
      progress: 0,
      rootPath: scratchDir,
      splitRecipe: spec.splitRecipe,
      summary: {
        generator: {
          name: SYNTHLOGOS32_NAME,
          seed: spec.seed,
          scale: spec.scale,
          sizes: spec.sizes,
          randomisation: spec.randomisation,
          backgrounds: spec.backgrounds,
        },
      },
    });
    const progress = new PreparationProgress(
      this.registry,
      dataset.id,
      this.settings.progress,
      this.settings.logError,
    );
    const run = this.queue.then(() => this.prepare(dataset.id, spec, scratchDir, progress, onProgress));
    this.queue = run.catch(() => undefined);
    this.inFlight.set(dataset.id, run);
    this.reporters.set(dataset.id, progress);
    void run.catch(this.settings.logError).finally(() => {
      this.inFlight.delete(dataset.id);
      this.reporters.delete(dataset.id);
    });
    return { dataset, isExisting: false, finished: run };
  }

  /** Resolves when an existing dataset is READY or FAILED (polling when another process prepares it). */
  private async settled(dataset: Dataset): Promise<Dataset> {
    const own = this.inFlight.get(dataset.id);
    if (own) return own;
    let current: Dataset | null = dataset;
    while ((PREPARING_STATUSES as readonly string[]).includes(current.status)) {
      await new Promise((resolve) => setTimeout(resolve, SETTLED_POLL_MS));
      current = await this.registry.get(dataset.id);
      if (!current) throw new NotFoundError("Dataset", dataset.id);
    }
    return current;
  }

  private async prepare(
    datasetId: string,
    spec: SyntheticDatasetSpec,
    scratchDir: string,
    progress: PreparationProgress,
    onProgress: DatasetProgressCallback | undefined,
  ): Promise<Dataset> {
    const onStep = (step: DatasetProgress) => {
      // Every phase reports each image or file: throwing here is how an interruption stops the work.
      if (this.isInterrupted) throw new Error("interrupted");
      onProgress?.(step);
      progress.report(overallProgress(step));
    };
    let prepared: { rootPath: string; content: DatasetContent } | undefined;
    let failure: unknown;
    try {
      if (this.isInterrupted) throw new Error("interrupted before it started");
      prepared = await this.generateAndImport(spec, scratchDir, onStep);
    } catch (error) {
      failure = error;
    } finally {
      // Done before the final status, so a READY or FAILED dataset has no work left behind.
      await progress.stop();
      await removeScratchDir(scratchDir).catch(this.settings.logError);
    }
    // After interrupt() the row already says FAILED with the shutdown's reason.
    if (this.isInterrupted) {
      const current = await this.registry.get(datasetId);
      if (!current) throw new NotFoundError("Dataset", datasetId);
      return current;
    }
    if (prepared === undefined) return this.registry.markFailed(datasetId, failureReason(failure));
    try {
      return await this.registry.markReady(datasetId, prepared.rootPath, prepared.content);
    } catch (error) {
      return this.registry.markFailed(datasetId, failureReason(error));
    }
  }

  private async generateAndImport(
    spec: SyntheticDatasetSpec,
    scratchDir: string,
    onStep: DatasetProgressCallback,
  ): Promise<{ rootPath: string; content: DatasetContent }> {
    await fs.mkdir(path.dirname(scratchDir), { recursive: true });
    const generated = await generateSynthLogos32({
      out: scratchDir,
      seed: spec.seed,
      sizes: spec.sizes,
      randomisation: randomisationOf(spec.randomisation),
      backgroundPart: spec.backgrounds,
      onProgress: onStep,
    });
    // The generated tree goes through the real importer, so it is checked like any FlickrLogos-32 tree.
    const planned = await planImport(
      { format: "FLICKRLOGOS32", root: scratchDir, recipe: spec.splitRecipe, destDir: "" },
      onStep,
    );
    const summary = await summarisePlannedDataset(planned, onStep);
    const rootPath = managedDatasetDir(this.storage.datasetsDir, spec.name, summary.contentHash);
    // Same content under the same name (an earlier generation) is already on disk: reuse it.
    if (!existsSync(rootPath)) await materialiseDataset(planned, rootPath, { onProgress: onStep });
    else await readDatasetManifest(rootPath);
    for (const file of PROVENANCE_FILES) {
      const target = path.join(rootPath, file);
      if (!existsSync(target)) await fs.copyFile(path.join(scratchDir, file), target);
    }
    return { rootPath, content: syntheticDatasetContent(spec, generated.manifest, summary) };
  }
}

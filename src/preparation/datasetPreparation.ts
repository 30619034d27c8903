import { existsSync } from "node:fs";
import path from "node:path";
import { summarisePlannedDataset, type DatasetContentSummary } from "../datasets/contentHash";
import type { DatasetManifest } from "../datasets/datasetManifest";
import { planImport, type ImportRequest } from "../datasets/importDataset";
import type { DatasetProgressCallback } from "../datasets/importProgress";
import { materialiseDataset, readDatasetManifest } from "../datasets/materialiseDataset";
import {
  DEFAULT_PER_CLASS_SPLIT,
  invalidPerClassSplitField,
  type PerClassSplit,
} from "../datasets/perClassSplit";
import type { DatasetImportFormat, SplitRecipe } from "../vocabulary";
import { ValidationError } from "../errors";
import type { Dataset, DatasetContent, DatasetRegistry } from "../experiments/datasets";
import { managedDatasetDir, type DatasetStorage } from "./managedDatasetDir";
import {
  DEFAULT_SYNTHETIC_SETTINGS,
  SyntheticDatasetGenerator,
  type SyntheticDatasetRequest,
  type SyntheticGeneration,
  type SyntheticGenerationSettings,
} from "./syntheticDatasets";

export { slugOf, type DatasetStorage } from "./managedDatasetDir";

/** What `importDataset` accepts. */
export interface ImportDatasetRequest {
  format: DatasetImportFormat;
  /** Directory to import from (FlickrLogos-32: the `FlickrLogos-v2` folder or its parent). */
  path: string;
  /** FlickrLogos-32 only (default ARTICLE). */
  splitRecipe?: SplitRecipe | null;
  /** FlickrLogos-27 and Pascal VOC without split lists: images of each brand for train (default 10). */
  trainPerClass?: number | null;
  /** … and for val after those (default 2); the rest go to test. */
  valPerClass?: number | null;
  /** … and the share of no-logo images for val (default 0.5); the rest go to test. */
  noLogoValShare?: number | null;
  /** Registry name (default: `FlickrLogos-32`, `FlickrLogos-27` or the folder's name). */
  name?: string | null;
}

const DEFAULT_NAMES: Partial<Record<DatasetImportFormat, string>> = {
  FLICKRLOGOS32: "FlickrLogos-32",
  FLICKRLOGOS27: "FlickrLogos-27",
};

/** The datasets layer's import request: defaults filled in, the per-class split validated. */
function importRequestOf(request: ImportDatasetRequest, root: string): ImportRequest {
  if (request.format === "FLICKRLOGOS32") {
    return { format: "FLICKRLOGOS32", root, recipe: request.splitRecipe ?? "ARTICLE", destDir: "" };
  }
  if (request.format === "IMAGE_FOLDER") return { format: "IMAGE_FOLDER", root, destDir: "" };
  const split: PerClassSplit = {
    trainPerClass: request.trainPerClass ?? DEFAULT_PER_CLASS_SPLIT.trainPerClass,
    valPerClass: request.valPerClass ?? DEFAULT_PER_CLASS_SPLIT.valPerClass,
    noLogoValShare: request.noLogoValShare ?? DEFAULT_PER_CLASS_SPLIT.noLogoValShare,
  };
  const bad = invalidPerClassSplitField(split);
  if (bad !== null) {
    throw new ValidationError(
      `${bad} must be ${bad === "noLogoValShare" ? "between 0 and 1" : bad === "trainPerClass" ? "a positive integer" : "a non-negative integer"}, got ${split[bad]}`,
      { field: bad },
    );
  }
  return { format: request.format, root, split, destDir: "" };
}

function isInside(dir: string, root: string): boolean {
  const relative = path.relative(root, dir);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/** The registry's record of a dataset's content: counts and provenance, not the file list. */
export function contentRecord(manifest: DatasetManifest, summary: DatasetContentSummary): DatasetContent {
  return {
    contentHash: summary.contentHash,
    classes: summary.classes,
    splitCounts: summary.splitCounts,
    summary: {
      source: manifest.source,
      classCounts: summary.classCounts,
      boxedImageCounts: summary.boxedImageCounts,
    },
  };
}

/**
 * Imports a dataset: validate every file (nothing is written when anything is wrong), hash the
 * content, reuse an identical READY dataset, otherwise write the managed copy and register it.
 */
export async function importDataset(
  registry: DatasetRegistry,
  storage: DatasetStorage,
  request: ImportDatasetRequest,
  onProgress?: DatasetProgressCallback,
): Promise<Dataset> {
  const root = path.resolve(request.path);
  if (storage.importRoots.length > 0 && !storage.importRoots.some((allowed) => isInside(root, allowed))) {
    throw new ValidationError(`path ${root} is outside the allowed import roots (LOGOLAB_IMPORT_ROOTS)`, {
      field: "path",
    });
  }
  const importRequest = importRequestOf(request, root);
  const recipe = importRequest.format === "FLICKRLOGOS32" ? importRequest.recipe : null;
  const manifest = await planImport(importRequest, onProgress);
  const summary = await summarisePlannedDataset(manifest, onProgress);
  const existing = await registry.findReadyByContent(summary.contentHash, request.format, recipe);
  if (existing) return existing;

  const name = request.name?.trim() || DEFAULT_NAMES[request.format] || path.basename(root);
  const destDir = managedDatasetDir(storage.datasetsDir, name, summary.contentHash);
  // The same content may already be on disk from an earlier import whose registration failed.
  if (!existsSync(destDir)) await materialiseDataset(manifest, destDir, { onProgress });
  else await readDatasetManifest(destDir);
  return registry.register({
    name,
    format: request.format,
    status: "READY",
    rootPath: destDir,
    splitRecipe: recipe,
    ...contentRecord(manifest, summary),
  });
}

/** Dataset imports and generation bound to one registry and storage (what resolvers and the CLI call). */
export class DatasetPreparation {
  private readonly synthetic: SyntheticDatasetGenerator;

  constructor(
    private readonly registry: DatasetRegistry,
    private readonly storage: DatasetStorage,
    syntheticSettings: SyntheticGenerationSettings = DEFAULT_SYNTHETIC_SETTINGS,
  ) {
    this.synthetic = new SyntheticDatasetGenerator(registry, storage, syntheticSettings);
  }

  /** See {@link importDataset}. */
  import(request: ImportDatasetRequest, onProgress?: DatasetProgressCallback): Promise<Dataset> {
    return importDataset(this.registry, this.storage, request, onProgress);
  }

  /**
   * Registers a synthetic dataset as GENERATING and returns it at once while it is generated in the
   * background; a READY (or preparing) dataset with the same name, seed, scale and recipe is
   * returned instead. Throws ValidationError for invalid settings.
   */
  async generateSynthetic(request: SyntheticDatasetRequest): Promise<Dataset> {
    return (await this.synthetic.start(request)).dataset;
  }

  /** Like {@link generateSynthetic}, also giving the generation's end and every progress step (the CLI). */
  startSynthetic(
    request: SyntheticDatasetRequest,
    onProgress?: DatasetProgressCallback,
  ): Promise<SyntheticGeneration> {
    return this.synthetic.start(request, onProgress);
  }

  /** Deletes scratch trees of interrupted generations; only safe when no other process generates. */
  removeSyntheticScratch(): Promise<void> {
    return this.synthetic.removeScratch();
  }

  /** Marks this process's queued and running generations FAILED (graceful shutdown); see the generator. */
  interruptSynthetic(reason = "interrupted: the server stopped"): Promise<number> {
    return this.synthetic.interrupt(reason);
  }

  /** Resolves once no generation of this process is queued or running. */
  whenIdle(): Promise<void> {
    return this.synthetic.whenIdle();
  }
}

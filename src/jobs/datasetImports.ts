import { existsSync } from "node:fs";
import path from "node:path";
import { summarisePlannedDataset, type DatasetContentSummary } from "../datasets/contentHash";
import type { DatasetManifest } from "../datasets/datasetManifest";
import { planImport, type ImportRequest } from "../datasets/importDataset";
import type { DatasetProgressCallback } from "../datasets/importProgress";
import { materialiseDataset, readDatasetManifest } from "../datasets/materialiseDataset";
import type { SplitRecipe } from "../datasets/splitRecipe";
import { ValidationError } from "../errors";
import type { Dataset, DatasetContent, DatasetRegistry } from "../experiments/datasets";

/** What `importDataset` accepts. */
export interface ImportDatasetRequest {
  format: "FLICKRLOGOS32" | "IMAGE_FOLDER";
  /** Directory to import from (FlickrLogos-32: the `FlickrLogos-v2` folder or its parent). */
  path: string;
  /** FlickrLogos-32 only (default ARTICLE). */
  splitRecipe?: SplitRecipe | null;
  /** Registry name (default: `FlickrLogos-32` or the folder's name). */
  name?: string | null;
}

/** Where imports may read from and where managed copies go. */
export interface DatasetStorage {
  datasetsDir: string;
  /** Allowed source roots; empty = any readable directory. */
  importRoots: string[];
}

/** A short, file-system-safe form of a dataset name. */
export function slugOf(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "dataset"
  );
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
    manifest: JSON.parse(JSON.stringify({ source: manifest.source, classCounts: summary.classCounts })),
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
  const recipe = request.format === "FLICKRLOGOS32" ? (request.splitRecipe ?? "ARTICLE") : null;
  const importRequest: ImportRequest =
    request.format === "FLICKRLOGOS32"
      ? { format: "FLICKRLOGOS32", root, recipe: recipe!, destDir: "" }
      : { format: "IMAGE_FOLDER", root, destDir: "" };
  const manifest = await planImport(importRequest, onProgress);
  const summary = await summarisePlannedDataset(manifest, onProgress);
  const existing = await registry.findReadyByContent(summary.contentHash, request.format, recipe);
  if (existing) return existing;

  const name =
    request.name?.trim() || (request.format === "FLICKRLOGOS32" ? "FlickrLogos-32" : path.basename(root));
  const destDir = path.join(storage.datasetsDir, `${slugOf(name)}-${summary.contentHash.slice(0, 12)}`);
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
  constructor(
    private readonly registry: DatasetRegistry,
    private readonly storage: DatasetStorage,
  ) {}

  /** See {@link importDataset}. */
  import(request: ImportDatasetRequest, onProgress?: DatasetProgressCallback): Promise<Dataset> {
    return importDataset(this.registry, this.storage, request, onProgress);
  }
}

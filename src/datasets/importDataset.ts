import type { DatasetManifest } from "./datasetManifest";
import { summarisePlannedDataset, type DatasetContentSummary } from "./contentHash";
import { planFlickrLogos32Import } from "./flickrLogos32Importer";
import { planImageFolderImport } from "./imageFolderImporter";
import type { DatasetProgressCallback } from "./importProgress";
import { materialiseDataset } from "./materialiseDataset";
import type { SplitRecipe } from "../vocabulary";

/** What to import and where the managed copy goes. */
export type ImportRequest =
  | { format: "FLICKRLOGOS32"; root: string; recipe: SplitRecipe; destDir: string }
  | { format: "IMAGE_FOLDER"; root: string; destDir: string };

/** A completed import. */
export interface ImportResult {
  dir: string;
  manifest: DatasetManifest;
  summary: DatasetContentSummary;
}

/** Validates and plans an import without writing anything (throws ValidationError on problems). */
export async function planImport(
  request: ImportRequest,
  onProgress?: DatasetProgressCallback,
): Promise<DatasetManifest> {
  return request.format === "FLICKRLOGOS32"
    ? planFlickrLogos32Import(request.root, { recipe: request.recipe, onProgress })
    : planImageFolderImport(request.root, { onProgress });
}

/**
 * Validate → hash → write: the whole file-system side of an import. Either the managed directory
 * exists complete with its `manifest.json`, or (on any error) nothing was written.
 */
export async function importDatasetFiles(
  request: ImportRequest,
  onProgress?: DatasetProgressCallback,
): Promise<ImportResult> {
  const manifest = await planImport(request, onProgress);
  const summary = await summarisePlannedDataset(manifest, onProgress);
  const { dir } = await materialiseDataset(manifest, request.destDir, { onProgress });
  return { dir, manifest, summary };
}

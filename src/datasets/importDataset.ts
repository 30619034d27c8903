import type { DatasetManifest } from "./datasetManifest";
import { summarisePlannedDataset, type DatasetContentSummary } from "./contentHash";
import { planFlickrLogos27Import } from "./flickrLogos27Importer";
import { planFlickrLogos32Import } from "./flickrLogos32Importer";
import { planImageFolderImport } from "./imageFolderImporter";
import { planPascalVocImport } from "./pascalVocImporter";
import type { PerClassSplit } from "./perClassSplit";
import type { DatasetProgressCallback } from "./importProgress";
import { materialiseDataset } from "./materialiseDataset";
import type { SplitRecipe } from "../vocabulary";

/** What to import and where the managed copy goes. */
export type ImportRequest =
  | { format: "FLICKRLOGOS32"; root: string; recipe: SplitRecipe; destDir: string }
  | { format: "IMAGE_FOLDER"; root: string; destDir: string }
  | { format: "FLICKRLOGOS27" | "PASCAL_VOC"; root: string; split: PerClassSplit; destDir: string };

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
  switch (request.format) {
    case "FLICKRLOGOS32":
      return planFlickrLogos32Import(request.root, { recipe: request.recipe, onProgress });
    case "FLICKRLOGOS27":
      return planFlickrLogos27Import(request.root, { split: request.split, onProgress });
    case "PASCAL_VOC":
      return planPascalVocImport(request.root, { split: request.split, onProgress });
    case "IMAGE_FOLDER":
      return planImageFolderImport(request.root, { onProgress });
  }
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

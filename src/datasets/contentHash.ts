import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import path from "node:path";
import {
  SPLIT_NAMES,
  countClasses,
  countSplits,
  type ClassCounts,
  type DatasetManifest,
  type ManifestEntry,
  type SplitCounts,
} from "./datasetManifest";
import type { DatasetProgressCallback } from "./importProgress";
import { mapConcurrently } from "./mapConcurrently";
import { readDatasetManifest } from "./materialiseDataset";

/** What the registry stores about a dataset's content. */
export interface DatasetContentSummary {
  /**
   * sha256 (hex) over the sorted lines `<relpath>\t<sha256 of the file>\n`, with `\t<boxes as
   * JSON>` before the newline for images that have logo boxes (the annotations are content too).
   */
  contentHash: string;
  classes: string[];
  splitCounts: SplitCounts;
  classCounts: ClassCounts;
  /** Images with at least one logo box, per split. */
  boxedImageCounts: SplitCounts;
}

/** sha256 (hex) of a file's bytes, streamed. */
export async function hashFile(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/**
 * The content hash of a set of (relpath, file hash, annotation) triples: sha256 over
 * `<relpath>\t<hash>\n` lines — `<relpath>\t<hash>\t<annotation>\n` where an annotation is given —
 * sorted by relpath (code-unit order). Pure, so the definition is testable on its own.
 */
export function combineFileHashes(
  files: readonly { relpath: string; sha256: string; annotation?: string }[],
): string {
  const lines = files
    .map((f) => `${f.relpath}\t${f.sha256}${f.annotation ? `\t${f.annotation}` : ""}\n`)
    .sort();
  const hash = createHash("sha256");
  for (const line of lines) hash.update(line);
  return hash.digest("hex");
}

async function summarise(
  manifest: DatasetManifest,
  pathOf: (entry: ManifestEntry) => string,
  onProgress: DatasetProgressCallback | undefined,
): Promise<DatasetContentSummary> {
  const entries = SPLIT_NAMES.flatMap((split) => manifest.splits[split]);
  let done = 0;
  const files = await mapConcurrently(entries, 4, async (entry) => {
    const sha256 = await hashFile(pathOf(entry));
    onProgress?.({ phase: "hashing", done: ++done, total: entries.length });
    const annotation = entry.bboxes.length > 0 ? JSON.stringify(entry.bboxes) : undefined;
    return { relpath: entry.relpath, sha256, annotation };
  });
  return {
    contentHash: combineFileHashes(files),
    classes: [...manifest.classes],
    splitCounts: countSplits(manifest),
    classCounts: countClasses(manifest),
    boxedImageCounts: countSplits(manifest, (entry) => entry.bboxes.length > 0),
  };
}

/**
 * Summarises a planned import by hashing its source files. Because the hash uses managed relpaths
 * and the files are linked or copied byte for byte, it equals the hash of the materialised
 * directory: a re-import of unchanged data can be recognised before anything is written.
 */
export async function summarisePlannedDataset(
  manifest: DatasetManifest,
  onProgress?: DatasetProgressCallback,
): Promise<DatasetContentSummary> {
  return summarise(manifest, (e) => path.join(manifest.source.root, e.sourceRelpath), onProgress);
}

/** Summarises a managed dataset directory (its `manifest.json` and files). */
export async function summariseDatasetDirectory(
  dir: string,
  onProgress?: DatasetProgressCallback,
): Promise<DatasetContentSummary> {
  const manifest = await readDatasetManifest(dir);
  return summarise(manifest, (e) => path.join(dir, e.relpath), onProgress);
}

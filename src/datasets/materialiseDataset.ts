import { randomBytes } from "node:crypto";
import { constants, existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { ConflictError } from "../errors";
import { SPLIT_NAMES, type DatasetManifest, type ManifestEntry } from "./datasetManifest";
import type { DatasetProgressCallback } from "./importProgress";
import { mapConcurrently } from "./mapConcurrently";

/** Name of the manifest inside a managed dataset directory. */
export const MANIFEST_FILE = "manifest.json";

/** Options of `materialiseDataset`. */
export interface MaterialiseOptions {
  /** Files linked or copied at once (default 8). */
  concurrency?: number;
  onProgress?: DatasetProgressCallback;
}

/** How each file reached the managed directory. */
export interface MaterialiseResult {
  dir: string;
  linkedCount: number;
  copiedCount: number;
}

/** Hard-links `source` to `target`, copying when linking is impossible (other device, no support). */
async function linkOrCopy(source: string, target: string): Promise<"linked" | "copied"> {
  try {
    await fs.link(source, target);
    return "linked";
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST" || code === "ENOENT") throw error;
    await fs.copyFile(source, target, constants.COPYFILE_EXCL);
    return "copied";
  }
}

/**
 * Writes a planned dataset into `destDir` as `<split>/<class>/<file>` plus `manifest.json`.
 * Everything is written into a hidden sibling temp directory renamed into place at the end, so
 * a failure leaves nothing at `destDir` (and the temp directory is removed). The source files are
 * only read or hard-linked, never changed. Throws ConflictError when `destDir` already exists.
 */
export async function materialiseDataset(
  manifest: DatasetManifest,
  destDir: string,
  options: MaterialiseOptions = {},
): Promise<MaterialiseResult> {
  const dir = path.resolve(destDir);
  if (existsSync(dir))
    throw new ConflictError(`dataset directory ${dir} already exists`, { field: "destDir" });
  await fs.mkdir(path.dirname(dir), { recursive: true });
  const tempDir = path.join(
    path.dirname(dir),
    `.${path.basename(dir)}.partial-${randomBytes(6).toString("hex")}`,
  );
  try {
    const entries: ManifestEntry[] = SPLIT_NAMES.flatMap((split) => manifest.splits[split]);
    const folders = new Set(entries.map((e) => path.dirname(e.relpath)));
    for (const folder of folders) await fs.mkdir(path.join(tempDir, folder), { recursive: true });
    let done = 0;
    const outcomes = await mapConcurrently(entries, options.concurrency ?? 8, async (entry) => {
      const outcome = await linkOrCopy(
        path.join(manifest.source.root, entry.sourceRelpath),
        path.join(tempDir, entry.relpath),
      );
      options.onProgress?.({ phase: "writing", done: ++done, total: entries.length });
      return outcome;
    });
    await fs.writeFile(path.join(tempDir, MANIFEST_FILE), JSON.stringify(manifest, null, 1) + "\n");
    await fs.rename(tempDir, dir);
    return {
      dir,
      linkedCount: outcomes.filter((o) => o === "linked").length,
      copiedCount: outcomes.filter((o) => o === "copied").length,
    };
  } catch (error) {
    await fs.rm(tempDir, { recursive: true, force: true });
    throw error;
  }
}

/** Reads the manifest of a managed dataset directory. */
export async function readDatasetManifest(dir: string): Promise<DatasetManifest> {
  return JSON.parse(await fs.readFile(path.join(dir, MANIFEST_FILE), "utf8")) as DatasetManifest;
}

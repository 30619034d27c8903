import fs from "node:fs/promises";
import path from "node:path";
import {
  SPLIT_NAMES,
  managedRelpath,
  type DatasetManifest,
  type ManifestEntry,
  type SplitName,
} from "./datasetManifest";
import { throwIfProblems, type DatasetProblem } from "./datasetProblems";
import { findDecodeFailure } from "./imageDecodeCheck";
import type { DatasetProgressCallback } from "./importProgress";
import { mapConcurrently } from "./mapConcurrently";

/** File extensions an ImageFolder import accepts (case-insensitive). */
export const IMAGE_FOLDER_EXTENSIONS: readonly string[] = [".jpg", ".jpeg", ".png", ".webp"];

/** Options of an ImageFolder import. */
export interface ImageFolderImportOptions {
  /** Accepted class names; default: the class folders of `train/`. */
  classes?: readonly string[];
  /** Images decoded at once while validating (default 4). */
  concurrency?: number;
  onProgress?: DatasetProgressCallback;
}

interface FoundImage {
  split: SplitName;
  className: string;
  fileName: string;
  sourceRelpath: string;
}

async function listDir(dir: string): Promise<import("node:fs").Dirent[] | null> {
  try {
    return await fs.readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

const isHidden = (name: string): boolean => name.startsWith(".");

/** Walks `<root>/<split>/<class>/<file>`, recording what does not fit the layout. */
async function findImages(root: string, problems: DatasetProblem[]): Promise<FoundImage[]> {
  const images: FoundImage[] = [];
  for (const split of SPLIT_NAMES) {
    const splitEntries = await listDir(path.join(root, split));
    if (splitEntries === null) {
      if (split === "train")
        problems.push({ kind: "missing-root", path: split, message: "train folder is missing" });
      continue;
    }
    for (const classEntry of splitEntries.filter((e) => !isHidden(e.name))) {
      const classRelpath = `${split}/${classEntry.name}`;
      if (!classEntry.isDirectory()) {
        problems.push({
          kind: "unsupported-file",
          path: classRelpath,
          message: "files must sit in a class folder",
        });
        continue;
      }
      const files = (await listDir(path.join(root, classRelpath))) ?? [];
      for (const file of files.filter((e) => !isHidden(e.name))) {
        const sourceRelpath = `${classRelpath}/${file.name}`;
        const isImage =
          file.isFile() && IMAGE_FOLDER_EXTENSIONS.includes(path.extname(file.name).toLowerCase());
        if (!isImage) {
          problems.push({
            kind: "unsupported-file",
            path: sourceRelpath,
            message: `expected a ${IMAGE_FOLDER_EXTENSIONS.join("/")} file`,
          });
          continue;
        }
        images.push({ split, className: classEntry.name, fileName: file.name, sourceRelpath });
      }
    }
  }
  return images;
}

/**
 * Validates an ImageFolder tree (`<root>/{train,val,test}/<class>/*.{jpg,jpeg,png,webp}`; `val`
 * and `test` may be absent) and plans its import. Nothing is written. Problems (missing `train/`,
 * class folder not in the class list, stray or unsupported files, images that do not decode) are
 * thrown together as one ValidationError with `details.problems`.
 */
export async function planImageFolderImport(
  root: string,
  options: ImageFolderImportOptions = {},
): Promise<DatasetManifest> {
  const datasetRoot = path.resolve(root);
  const problems: DatasetProblem[] = [];
  const found = await findImages(datasetRoot, problems);
  const trainClasses = [...new Set(found.filter((i) => i.split === "train").map((i) => i.className))];
  const classes = [...new Set(options.classes ?? trainClasses)].sort();
  const classSet = new Set(classes);
  const unknownFolders = new Set<string>();
  const images = found.filter((image) => {
    if (classSet.has(image.className)) return true;
    const folder = `${image.split}/${image.className}`;
    if (!unknownFolders.has(folder)) {
      unknownFolders.add(folder);
      problems.push({
        kind: "unknown-class",
        path: folder,
        message: `class folder ${JSON.stringify(image.className)} is not in the class list`,
      });
    }
    return false;
  });

  let done = 0;
  await mapConcurrently(images, options.concurrency ?? 4, async (image) => {
    const failure = await findDecodeFailure(path.join(datasetRoot, image.sourceRelpath));
    if (failure !== null)
      problems.push({
        kind: "unreadable-image",
        path: image.sourceRelpath,
        message: `does not decode: ${failure}`,
      });
    options.onProgress?.({ phase: "validating", done: ++done, total: images.length });
  });
  if (found.length === 0) problems.push({ kind: "empty-dataset", path: ".", message: "no images found" });
  throwIfProblems("ImageFolder dataset", datasetRoot, problems);

  const byName = (a: FoundImage, b: FoundImage): number => (a.sourceRelpath < b.sourceRelpath ? -1 : 1);
  const toEntries = (split: SplitName): ManifestEntry[] =>
    images
      .filter((i) => i.split === split)
      .sort(byName)
      .map((i) => ({
        relpath: managedRelpath(split, i.className, i.fileName),
        sourceRelpath: i.sourceRelpath,
        className: i.className,
        bboxes: [],
      }));
  return {
    formatVersion: 1,
    source: { kind: "imagefolder", root: datasetRoot },
    classes,
    splits: { train: toEntries("train"), val: toEntries("val"), test: toEntries("test") },
  };
}

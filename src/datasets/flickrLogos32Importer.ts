import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import {
  NO_LOGO_CLASS,
  managedRelpath,
  type BoundingBox,
  type DatasetManifest,
  type ManifestEntry,
  type SplitName,
} from "./datasetManifest";
import { throwIfProblems, type DatasetProblem } from "./datasetProblems";
import {
  CLASS_ID_FILE,
  FLICKRLOGOS32_BRANDS,
  IMAGES_DIR,
  LIST_FILES,
  bboxRelpath,
  parseBboxFile,
  parseClassIdFile,
  parseImageRelpath,
  parseRelpathsList,
  type ListName,
} from "./flickrLogos32Layout";
import { findDecodeFailure } from "./imageDecodeCheck";
import type { DatasetProgressCallback } from "./importProgress";
import { mapConcurrently } from "./mapConcurrently";
import type { SplitRecipe } from "../vocabulary";
import { applySplitRecipe } from "./splitRecipe";

/** Options of a FlickrLogos-32 import. */
export interface FlickrLogos32ImportOptions {
  recipe: SplitRecipe;
  /**
   * Accepted class names (`no-logo` is always added). Default: the names in
   * `className2ClassID.txt` when the root has one, else the 32 FlickrLogos-32 brands.
   */
  classes?: readonly string[];
  /** Images decoded at once while validating (default 4). */
  concurrency?: number;
  onProgress?: DatasetProgressCallback;
}

/** A list entry that passed the static checks. */
interface ListedImage {
  list: ListName;
  relpath: string;
  className: string;
  fileName: string;
}

const LOGO_LISTS: readonly ListName[] = ["train", "valLogos"];

/** The FlickrLogos-v2 folder: `root` itself, or `root/FlickrLogos-v2` when root is its parent. */
export function resolveFlickrLogos32Root(root: string): string {
  const absolute = path.resolve(root);
  const nested = path.join(absolute, "FlickrLogos-v2");
  return !existsSync(path.join(absolute, IMAGES_DIR)) && existsSync(nested) ? nested : absolute;
}

async function readTextOrNull(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

async function loadClassList(root: string, classes: readonly string[] | undefined): Promise<string[]> {
  const named = classes ?? parseClassIdFile((await readTextOrNull(path.join(root, CLASS_ID_FILE))) ?? "");
  const base = named.length > 0 ? named : FLICKRLOGOS32_BRANDS;
  return [...new Set([...base, NO_LOGO_CLASS])].sort();
}

async function readLists(root: string, problems: DatasetProblem[]): Promise<Record<ListName, string[]>> {
  const lists = {} as Record<ListName, string[]>;
  for (const [list, file] of Object.entries(LIST_FILES) as [ListName, string][]) {
    const text = await readTextOrNull(path.join(root, file));
    if (text === null)
      problems.push({ kind: "missing-list-file", path: file, message: "list file is missing" });
    lists[list] = parseRelpathsList(text ?? "");
  }
  return lists;
}

/** Static checks of every list line: shape, known class, list/class agreement, duplicates. */
function checkListEntries(
  lists: Record<ListName, string[]>,
  classSet: ReadonlySet<string>,
  problems: DatasetProblem[],
): ListedImage[] {
  const seen = new Map<string, ListName>();
  const images: ListedImage[] = [];
  for (const [list, relpaths] of Object.entries(lists) as [ListName, string[]][]) {
    const listFile = LIST_FILES[list];
    for (const raw of relpaths) {
      const parsed = parseImageRelpath(raw);
      if (parsed === null) {
        problems.push({
          kind: "invalid-list-entry",
          path: listFile,
          message: `${JSON.stringify(raw)} is not classes/jpg/<class>/<file>`,
        });
        continue;
      }
      const relpath = `${IMAGES_DIR}/${parsed.className}/${parsed.fileName}`;
      const firstList = seen.get(relpath);
      if (firstList !== undefined) {
        problems.push({
          kind: "duplicate-path",
          path: relpath,
          message: `listed in ${LIST_FILES[firstList]} and again in ${listFile}`,
        });
        continue;
      }
      seen.set(relpath, list);
      if (!classSet.has(parsed.className)) {
        problems.push({
          kind: "unknown-class",
          path: relpath,
          message: `class ${JSON.stringify(parsed.className)} (listed in ${listFile}) is not in the class list`,
        });
        continue;
      }
      const isNoLogo = parsed.className === NO_LOGO_CLASS;
      if ((list === "valNoLogos" && !isNoLogo) || (LOGO_LISTS.includes(list) && isNoLogo)) {
        problems.push({
          kind: "unexpected-class",
          path: relpath,
          message: `${listFile} must not list ${isNoLogo ? "no-logo" : "logo"} images`,
        });
        continue;
      }
      images.push({ list, relpath, ...parsed });
    }
  }
  return images;
}

async function checkClassFolders(
  root: string,
  classSet: ReadonlySet<string>,
  problems: DatasetProblem[],
): Promise<void> {
  let folders: string[];
  try {
    folders = (await fs.readdir(path.join(root, IMAGES_DIR), { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch {
    problems.push({ kind: "missing-root", path: IMAGES_DIR, message: "image folder is missing" });
    return;
  }
  for (const folder of folders.filter((f) => !classSet.has(f)).sort()) {
    problems.push({
      kind: "unknown-class",
      path: `${IMAGES_DIR}/${folder}`,
      message: `class folder ${JSON.stringify(folder)} is not in the class list`,
    });
  }
}

/** Existence, decodability and (for logos) the bbox file of one image; returns its boxes. */
async function checkImage(
  root: string,
  image: ListedImage,
  problems: DatasetProblem[],
): Promise<BoundingBox[]> {
  const absolute = path.join(root, image.relpath);
  if (!existsSync(absolute)) {
    problems.push({
      kind: "missing-image",
      path: image.relpath,
      message: `listed in ${LIST_FILES[image.list]} but the file does not exist`,
    });
    return [];
  }
  const failure = await findDecodeFailure(absolute);
  if (failure !== null)
    problems.push({ kind: "unreadable-image", path: image.relpath, message: `does not decode: ${failure}` });
  if (image.className === NO_LOGO_CLASS) return [];
  const boxFile = bboxRelpath(image.className, image.fileName);
  const text = await readTextOrNull(path.join(root, boxFile));
  if (text === null) {
    problems.push({
      kind: "missing-bbox-file",
      path: boxFile,
      message: "bbox file of a logo image is missing",
    });
    return [];
  }
  const boxes = parseBboxFile(text);
  if (boxes === null) {
    problems.push({
      kind: "invalid-bbox-file",
      path: boxFile,
      message: "expected lines of four non-negative numbers: x y width height",
    });
    return [];
  }
  return boxes;
}

/**
 * Validates a FlickrLogos-32 tree and plans its import with the given split recipe. Nothing is
 * written. Every problem found (missing list file, list naming a missing image, duplicated path,
 * class not in the class list, image that does not decode, missing or malformed bbox file) is
 * collected and thrown as one ValidationError whose `details.problems` lists them all.
 */
export async function planFlickrLogos32Import(
  root: string,
  options: FlickrLogos32ImportOptions,
): Promise<DatasetManifest> {
  const datasetRoot = resolveFlickrLogos32Root(root);
  const problems: DatasetProblem[] = [];
  const classes = await loadClassList(datasetRoot, options.classes);
  const classSet = new Set(classes);
  const lists = await readLists(datasetRoot, problems);
  const images = checkListEntries(lists, classSet, problems);
  await checkClassFolders(datasetRoot, classSet, problems);

  let done = 0;
  const boxesByRelpath = new Map<string, BoundingBox[]>();
  await mapConcurrently(images, options.concurrency ?? 4, async (image) => {
    boxesByRelpath.set(image.relpath, await checkImage(datasetRoot, image, problems));
    options.onProgress?.({ phase: "validating", done: ++done, total: images.length });
  });
  if (images.length === 0)
    problems.push({ kind: "empty-dataset", path: ".", message: "the lists name no images" });
  throwIfProblems("FlickrLogos-32 dataset", datasetRoot, problems);

  const byRelpath = new Map(images.map((image) => [image.relpath, image]));
  const splitRelpaths = applySplitRecipe(
    {
      train: images.filter((i) => i.list === "train").map((i) => i.relpath),
      valLogos: images.filter((i) => i.list === "valLogos").map((i) => i.relpath),
      valNoLogos: images.filter((i) => i.list === "valNoLogos").map((i) => i.relpath),
      test: images.filter((i) => i.list === "test").map((i) => i.relpath),
    },
    options.recipe,
  );
  const toEntries = (split: SplitName): ManifestEntry[] =>
    splitRelpaths[split].map((relpath) => {
      const image = byRelpath.get(relpath) as ListedImage;
      return {
        relpath: managedRelpath(split, image.className, image.fileName),
        sourceRelpath: relpath,
        className: image.className,
        bboxes: boxesByRelpath.get(relpath) ?? [],
      };
    });
  return {
    formatVersion: 1,
    source: { kind: "flickrlogos32", root: datasetRoot, recipe: options.recipe },
    classes,
    splits: { train: toEntries("train"), val: toEntries("val"), test: toEntries("test") },
  };
}

import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import {
  managedRelpath,
  NO_LOGO_CLASS,
  type BoundingBox,
  type DatasetManifest,
  type ManifestEntry,
} from "./datasetManifest";
import { throwIfProblems, type DatasetProblem } from "./datasetProblems";
import {
  dominantClass,
  FLICKRLOGOS27_IMAGES_DIR,
  FLICKRLOGOS27_QUERY_FILE,
  FLICKRLOGOS27_TRAINING_FILE,
  parseFlickrLogos27Query,
  parseFlickrLogos27Training,
  type FlickrLogos27Box,
} from "./flickrLogos27Layout";
import { checkImageBoxes } from "./imageBoxCheck";
import type { DatasetProgressCallback } from "./importProgress";
import { mapConcurrently } from "./mapConcurrently";
import { assignPerClassSplits, DEFAULT_PER_CLASS_SPLIT, type PerClassSplit } from "./perClassSplit";

/** Options of a FlickrLogos-27 import. */
export interface FlickrLogos27ImportOptions {
  /** How each class is divided into train, val and test (default 10 / 2 / rest). */
  split?: PerClassSplit;
  /** Images decoded at once while validating (default 4). */
  concurrency?: number;
  onProgress?: DatasetProgressCallback;
}

/**
 * LogoLab's class name of a FlickrLogos-27 class: lower case (`Cocacola` → `cocacola`, `HP` → `hp`,
 * `RedBull` → `redbull`), and `none` → `no-logo`. These match SynthLogos-32's names.
 */
export function flickrLogos27ClassName(name: string): string {
  const lower = name.toLowerCase();
  return lower === "none" ? NO_LOGO_CLASS : lower;
}

/** One image to import: its file, class and boxes; query images are test images. */
interface AnnotatedImage {
  file: string;
  className: string;
  boxes: BoundingBox[];
  isQuery: boolean;
}

async function readAnnotation<T>(
  root: string,
  file: string,
  parse: (text: string) => T[],
  problems: DatasetProblem[],
  isRequired: boolean,
): Promise<T[]> {
  let text: string;
  try {
    text = await fs.readFile(path.join(root, file), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    if (isRequired)
      problems.push({ kind: "missing-list-file", path: file, message: "annotation file is missing" });
    return [];
  }
  try {
    return parse(text);
  } catch (error) {
    problems.push({ kind: "invalid-annotation", path: file, message: (error as Error).message });
    return [];
  }
}

function boxesOf(boxes: readonly FlickrLogos27Box[], imageClass: string): BoundingBox[] {
  return boxes.map(({ className, ...box }) => {
    const brand = flickrLogos27ClassName(className);
    return brand === imageClass ? box : { ...box, className: brand };
  });
}

/** The images of both annotation files, each once; a query image already annotated for training is a problem. */
async function annotatedImages(root: string, problems: DatasetProblem[]): Promise<AnnotatedImage[]> {
  const training = await readAnnotation(
    root,
    FLICKRLOGOS27_TRAINING_FILE,
    parseFlickrLogos27Training,
    problems,
    true,
  );
  const query = await readAnnotation(
    root,
    FLICKRLOGOS27_QUERY_FILE,
    parseFlickrLogos27Query,
    problems,
    false,
  );
  const images: AnnotatedImage[] = training.map((image) => {
    const className = flickrLogos27ClassName(dominantClass(image.boxes));
    return { file: image.file, className, boxes: boxesOf(image.boxes, className), isQuery: false };
  });
  const seen = new Set(images.map((image) => image.file));
  for (const entry of query) {
    if (seen.has(entry.file)) {
      problems.push({
        kind: "duplicate-path",
        path: `${FLICKRLOGOS27_IMAGES_DIR}/${entry.file}`,
        message: `listed in ${FLICKRLOGOS27_TRAINING_FILE} and again in ${FLICKRLOGOS27_QUERY_FILE}`,
      });
      continue;
    }
    seen.add(entry.file);
    images.push({
      file: entry.file,
      className: flickrLogos27ClassName(entry.className),
      boxes: [],
      isQuery: true,
    });
  }
  return images;
}

/**
 * Validates a FlickrLogos-27 tree (`images/`, `training_set_annotation.txt`, optionally
 * `query_set_annotation.txt`) and plans its import. Class names become LogoLab's
 * ({@link flickrLogos27ClassName}); an image with boxes of several brands takes the brand whose
 * boxes cover the most area, and the other boxes keep their own brand. Training images are divided
 * per class by `split`; query images go to test. Nothing is written; every problem (missing or
 * malformed annotation file, missing or undecodable image, box outside its image, no images) is
 * thrown together as one ValidationError.
 */
export async function planFlickrLogos27Import(
  root: string,
  options: FlickrLogos27ImportOptions = {},
): Promise<DatasetManifest> {
  const datasetRoot = path.resolve(root);
  const problems: DatasetProblem[] = [];
  if (!existsSync(path.join(datasetRoot, FLICKRLOGOS27_IMAGES_DIR))) {
    problems.push({
      kind: "missing-root",
      path: FLICKRLOGOS27_IMAGES_DIR,
      message: "image folder is missing",
    });
  }
  const images = await annotatedImages(datasetRoot, problems);
  let done = 0;
  await mapConcurrently(images, options.concurrency ?? 4, async (image) => {
    const relpath = `${FLICKRLOGOS27_IMAGES_DIR}/${image.file}`;
    await checkImageBoxes(path.join(datasetRoot, relpath), relpath, image.boxes, problems);
    options.onProgress?.({ phase: "validating", done: ++done, total: images.length });
  });
  if (images.length === 0)
    problems.push({ kind: "empty-dataset", path: ".", message: "the annotations name no images" });
  throwIfProblems("FlickrLogos-27 dataset", datasetRoot, problems);

  const splits = assignPerClassSplits(
    images,
    (image) => image.className,
    options.split ?? DEFAULT_PER_CLASS_SPLIT,
    NO_LOGO_CLASS,
    (image) => image.isQuery && image.className !== NO_LOGO_CLASS,
  );
  const manifest: DatasetManifest = {
    formatVersion: 1,
    source: { kind: "flickrlogos27", root: datasetRoot },
    classes: [...new Set(images.map((image) => image.className))].sort(),
    splits: { train: [], val: [], test: [] },
  };
  images.forEach((image, i) => {
    const entry: ManifestEntry = {
      relpath: managedRelpath(splits[i], image.className, image.file),
      sourceRelpath: `${FLICKRLOGOS27_IMAGES_DIR}/${image.file}`,
      className: image.className,
      bboxes: image.boxes,
    };
    manifest.splits[splits[i]].push(entry);
  });
  return manifest;
}

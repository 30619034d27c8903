import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { XMLParser } from "fast-xml-parser";
import {
  managedRelpath,
  NO_LOGO_CLASS,
  SPLIT_NAMES,
  type BoundingBox,
  type DatasetManifest,
  type SplitName,
} from "./datasetManifest";
import { throwIfProblems, type DatasetProblem } from "./datasetProblems";
import { checkImageBoxes } from "./imageBoxCheck";
import type { DatasetProgressCallback } from "./importProgress";
import { mapConcurrently } from "./mapConcurrently";
import { assignPerClassSplits, DEFAULT_PER_CLASS_SPLIT, type PerClassSplit } from "./perClassSplit";

/** Options of a Pascal VOC import. */
export interface PascalVocImportOptions {
  /** How each class is divided when the tree has no `ImageSets/Main/{train,val,test}.txt` lists. */
  split?: PerClassSplit;
  /** Images decoded at once while validating (default 4). */
  concurrency?: number;
  onProgress?: DatasetProgressCallback;
}

/** Folder of the XML files in the classic layout (OpenLogo); elsewhere XML files sit beside their images. */
export const VOC_ANNOTATIONS_DIR = "Annotations";
export const VOC_IMAGES_DIR = "JPEGImages";
export const VOC_LISTS_DIR = "ImageSets/Main";

/** Object names that mean "no logo here" rather than a brand. */
const NO_LOGO_NAMES = new Set(["no-logo", "nologo", "none", "background"]);

/** A LogoLab class name for a VOC object name: lower case, spaces as dashes, file-system safe. */
export function vocClassName(name: string): string {
  const normal = name
    .trim()
    .toLowerCase()
    .replace(/\s+/g, "-")
    .replace(/[^a-z0-9._-]/g, "");
  return NO_LOGO_NAMES.has(normal) || normal === "" ? NO_LOGO_CLASS : normal;
}

/** What one annotation file says. */
export interface VocAnnotation {
  /** The image's file name (`<filename>`). */
  filename: string;
  /** Each object with its brand (VOC corners `xmin ymin xmax ymax` as x, y, width, height). */
  objects: (BoundingBox & { className: string })[];
}

const parser = new XMLParser({ isArray: (name) => name === "object", parseTagValue: false });

/** Parses a VOC annotation; throws with the reason when a required element is missing or not a number. */
export function parseVocAnnotation(xml: string): VocAnnotation {
  const document = parser.parse(xml) as {
    annotation?: { filename?: unknown; object?: { name?: unknown; bndbox?: Record<string, unknown> }[] };
  };
  const annotation = document.annotation;
  if (!annotation || typeof annotation.filename !== "string" || annotation.filename.trim() === "") {
    throw new Error("expected <annotation> with a <filename>");
  }
  const objects = (annotation.object ?? []).map((object, i) => {
    const corners = ["xmin", "ymin", "xmax", "ymax"].map((key) => Number(object.bndbox?.[key]));
    if (typeof object.name !== "string" || corners.some((v) => !Number.isFinite(v))) {
      throw new Error(`object ${i + 1} needs a <name> and a <bndbox> of numeric xmin, ymin, xmax, ymax`);
    }
    const [xmin, ymin, xmax, ymax] = corners;
    return {
      className: vocClassName(object.name),
      x: xmin,
      y: ymin,
      width: xmax - xmin,
      height: ymax - ymin,
    };
  });
  return { filename: annotation.filename.trim(), objects };
}

/** One image found: its annotation, where the image is, and the id the split lists use. */
interface VocImage {
  id: string;
  imageRelpath: string;
  annotationRelpath: string;
  className: string;
  boxes: BoundingBox[];
}

async function walkXml(dir: string, prefix = ""): Promise<string[]> {
  const entries = await fs.readdir(path.join(dir, prefix), { withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory() && !entry.name.startsWith(".")) found.push(...(await walkXml(dir, relative)));
    else if (entry.isFile() && entry.name.toLowerCase().endsWith(".xml")) found.push(relative);
  }
  return found;
}

/** The brand whose boxes cover the most area (no objects: no-logo). */
function imageClass(objects: VocAnnotation["objects"]): string {
  const area = new Map<string, number>();
  for (const o of objects) area.set(o.className, (area.get(o.className) ?? 0) + o.width * o.height);
  const ranked = [...area].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return ranked[0]?.[0] ?? NO_LOGO_CLASS;
}

async function findImages(root: string, problems: DatasetProblem[]): Promise<VocImage[]> {
  const isClassic = existsSync(path.join(root, VOC_ANNOTATIONS_DIR));
  const xmlFiles = isClassic
    ? (await walkXml(path.join(root, VOC_ANNOTATIONS_DIR))).map((f) => `${VOC_ANNOTATIONS_DIR}/${f}`)
    : await walkXml(root);
  const images: VocImage[] = [];
  const seen = new Map<string, string>();
  for (const annotationRelpath of xmlFiles) {
    let annotation: VocAnnotation;
    try {
      annotation = parseVocAnnotation(await fs.readFile(path.join(root, annotationRelpath), "utf8"));
    } catch (error) {
      problems.push({
        kind: "invalid-annotation",
        path: annotationRelpath,
        message: (error as Error).message,
      });
      continue;
    }
    const imageRelpath = isClassic
      ? `${VOC_IMAGES_DIR}/${annotation.filename}`
      : path.posix.join(path.posix.dirname(annotationRelpath), annotation.filename);
    const first = seen.get(imageRelpath);
    if (first !== undefined) {
      problems.push({
        kind: "duplicate-path",
        path: imageRelpath,
        message: `annotated by ${first} and ${annotationRelpath}`,
      });
      continue;
    }
    seen.set(imageRelpath, annotationRelpath);
    const className = imageClass(annotation.objects);
    const boxes = annotation.objects.map(({ className: brand, ...box }) =>
      brand === className ? box : { ...box, className: brand },
    );
    const id = annotationRelpath.replace(/^Annotations\//, "").replace(/\.xml$/i, "");
    images.push({ id, imageRelpath, annotationRelpath, className, boxes });
  }
  return images;
}

/** The split of each image from `ImageSets/Main/{train,val,test}.txt`, or null when the tree has none. */
async function listedSplits(
  root: string,
  images: VocImage[],
  problems: DatasetProblem[],
): Promise<SplitName[] | null> {
  const lists = new Map<string, SplitName>();
  let hasLists = false;
  for (const split of SPLIT_NAMES) {
    const file = path.join(root, VOC_LISTS_DIR, `${split}.txt`);
    if (!existsSync(file)) continue;
    hasLists = true;
    for (const line of (await fs.readFile(file, "utf8")).split(/\r?\n/)) {
      const id = line.trim().split(/\s+/)[0];
      if (id) lists.set(id, split);
    }
  }
  if (!hasLists) return null;
  return images.map((image) => {
    const split = lists.get(image.id);
    if (split === undefined) {
      problems.push({
        kind: "invalid-list-entry",
        path: image.annotationRelpath,
        message: `${image.id} is in none of ${VOC_LISTS_DIR}/{train,val,test}.txt`,
      });
      return "test";
    }
    return split;
  });
}

/**
 * Validates a Pascal VOC tree — the classic layout (`Annotations/*.xml`, `JPEGImages/`, optional
 * `ImageSets/Main/{train,val,test}.txt`, as OpenLogo ships it) or XML files beside their images
 * (LogoDet-3K) — and plans its import. Each object's box keeps its brand; an image's class is the
 * brand whose boxes cover the most area, no-logo without objects. Without split lists, classes are
 * divided by `split`. Nothing is written; every problem (malformed XML, missing or undecodable
 * image, box outside its image, image in no list, no images) is thrown together.
 */
export async function planPascalVocImport(
  root: string,
  options: PascalVocImportOptions = {},
): Promise<DatasetManifest> {
  const datasetRoot = path.resolve(root);
  const problems: DatasetProblem[] = [];
  const images = existsSync(datasetRoot) ? await findImages(datasetRoot, problems) : [];
  let done = 0;
  await mapConcurrently(images, options.concurrency ?? 4, async (image) => {
    await checkImageBoxes(
      path.join(datasetRoot, image.imageRelpath),
      image.imageRelpath,
      image.boxes,
      problems,
    );
    options.onProgress?.({ phase: "validating", done: ++done, total: images.length });
  });
  const splits =
    (await listedSplits(datasetRoot, images, problems)) ??
    assignPerClassSplits(
      images,
      (image) => image.className,
      options.split ?? DEFAULT_PER_CLASS_SPLIT,
      NO_LOGO_CLASS,
    );
  if (images.length === 0)
    problems.push({ kind: "empty-dataset", path: ".", message: "no annotation files found" });
  throwIfProblems("Pascal VOC dataset", datasetRoot, problems);

  const manifest: DatasetManifest = {
    formatVersion: 1,
    source: { kind: "pascalvoc", root: datasetRoot },
    classes: [...new Set(images.map((image) => image.className))].sort(),
    splits: { train: [], val: [], test: [] },
  };
  images.forEach((image, i) => {
    // Flattened into <split>/<class>/<file>: nested source folders would otherwise collide.
    const fileName = image.imageRelpath.replace(/^JPEGImages\//, "").replace(/\//g, "__");
    manifest.splits[splits[i]].push({
      relpath: managedRelpath(splits[i], image.className, fileName),
      sourceRelpath: image.imageRelpath,
      className: image.className,
      bboxes: image.boxes,
    });
  });
  return manifest;
}

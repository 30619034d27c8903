import type { BoundingBox } from "./datasetManifest";

/**
 * The FlickrLogos-32 distribution layout (`FlickrLogos-v2/`), shared by the importer and the
 * SynthLogos-32 generator so one reads exactly what the other writes.
 */

/** The 32 brand classes of FlickrLogos-32, in the dataset's spelling (`guiness` included). */
export const FLICKRLOGOS32_BRANDS: readonly string[] = [
  "adidas",
  "aldi",
  "apple",
  "becks",
  "bmw",
  "carlsberg",
  "chimay",
  "cocacola",
  "corona",
  "dhl",
  "erdinger",
  "esso",
  "fedex",
  "ferrari",
  "ford",
  "fosters",
  "google",
  "guiness",
  "heineken",
  "hp",
  "milka",
  "nvidia",
  "paulaner",
  "pepsi",
  "rittersport",
  "shell",
  "singha",
  "starbucks",
  "stellaartois",
  "texaco",
  "tsingtao",
  "ups",
];

/** Folder of the images, relative to the dataset root. */
export const IMAGES_DIR = "classes/jpg";
/** Folder of the bbox files, relative to the dataset root. */
export const MASKS_DIR = "classes/masks";
/** Optional file naming the classes (`<name> <id>` or `<name>,<id>` per line). */
export const CLASS_ID_FILE = "className2ClassID.txt";

/** The four relpaths lists of the official protocol. */
export const LIST_FILES = {
  train: "trainset.relpaths.txt",
  valLogos: "valset-logosonly.relpaths.txt",
  valNoLogos: "valset-nologos.relpaths.txt",
  test: "testset.relpaths.txt",
} as const;

/** The `<class>,<file>` pair lists of each split that the release also ships. */
export const PAIR_LIST_FILES = {
  train: "trainset.txt",
  val: "valset.txt",
  test: "testset.txt",
} as const;

/** Which list a relpath came from. */
export type ListName = keyof typeof LIST_FILES;

/** The root-relative path of an image: `classes/jpg/<class>/<file>`. */
export function imageRelpath(className: string, fileName: string): string {
  return `${IMAGES_DIR}/${className}/${fileName}`;
}

/** The root-relative path of an image's bbox file: `classes/masks/<class>/<file>.bboxes.txt`. */
export function bboxRelpath(className: string, fileName: string): string {
  return `${MASKS_DIR}/${className}/${fileName}.bboxes.txt`;
}

/** Splits an image relpath into class and file name, or null when it is not `classes/jpg/<c>/<f>`. */
export function parseImageRelpath(relpath: string): { className: string; fileName: string } | null {
  const match = /^classes\/jpg\/([^/]+)\/([^/]+)$/.exec(relpath.replace(/\\/g, "/").replace(/^\.\//, ""));
  return match ? { className: match[1], fileName: match[2] } : null;
}

/** The non-empty, trimmed lines of a relpaths list, in file order. */
export function parseRelpathsList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** A relpaths list as the distribution writes it: one relpath per line, trailing newline. */
export function formatRelpathsList(relpaths: readonly string[]): string {
  return relpaths.map((r) => `${r}\n`).join("");
}

/**
 * Parses a bbox file: an optional header line (`x y width height`) then one box per line as four
 * whitespace-separated non-negative integers. Returns null when a line is malformed.
 */
export function parseBboxFile(text: string): BoundingBox[] | null {
  const boxes: BoundingBox[] = [];
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  for (const [index, line] of lines.entries()) {
    const fields = line.split(/\s+/);
    const isHeader = index === 0 && fields.every((f) => !/^-?\d+(\.\d+)?$/.test(f));
    if (isHeader) continue;
    const numbers = fields.map(Number);
    if (numbers.length !== 4 || numbers.some((n) => !Number.isFinite(n) || n < 0)) return null;
    const [x, y, width, height] = numbers;
    boxes.push({ x, y, width, height });
  }
  return boxes;
}

/** A bbox file in the distribution's format: header line, then `x y width height` per box. */
export function formatBboxFile(boxes: readonly BoundingBox[]): string {
  return "x y width height\n" + boxes.map((b) => `${b.x} ${b.y} ${b.width} ${b.height}\n`).join("");
}

/**
 * Class names from `className2ClassID.txt`: on each line, the first field that is not a number
 * (the distribution's field order and separator vary between copies).
 */
export function parseClassIdFile(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const name = line
      .split(/[\s,;]+/)
      .map((f) => f.trim())
      .find((f) => f.length > 0 && !/^\d+$/.test(f));
    if (name !== undefined) names.push(name);
  }
  return names;
}

/** A `className2ClassID.txt`: `<class>\t<id>` per line, ids from 0 in the given order. */
export function formatClassIdFile(classNames: readonly string[]): string {
  return classNames.map((name, id) => `${name}\t${id}\n`).join("");
}

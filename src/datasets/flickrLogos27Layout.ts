import type { BoundingBox } from "./datasetManifest";

/**
 * The FlickrLogos-27 distribution layout: `images/<file>.jpg`, `training_set_annotation.txt`
 * (`<file> <Class> <subset> <x1> <y1> <x2> <y2>` per logo box; the same box repeats once per
 * subset) and `query_set_annotation.txt` (`<file>\t<Class|none>`). Pure parsers.
 */

/** Annotation file of the training images (one line per box and subset). */
export const FLICKRLOGOS27_TRAINING_FILE = "training_set_annotation.txt";
/** Annotation file of the query images (one line per image). */
export const FLICKRLOGOS27_QUERY_FILE = "query_set_annotation.txt";
/** Folder of the images, relative to the dataset root. */
export const FLICKRLOGOS27_IMAGES_DIR = "images";

/** A logo box of a FlickrLogos-27 image with its class as spelled in the annotation. */
export interface FlickrLogos27Box extends BoundingBox {
  className: string;
}

/** One annotated training image: its file and its distinct boxes, in file order. */
export interface FlickrLogos27Image {
  file: string;
  boxes: FlickrLogos27Box[];
}

/**
 * Parses `training_set_annotation.txt`: one entry per image (in order of first appearance) with its
 * boxes, each distinct (class, corners) once — the file repeats a box for every subset that holds
 * it. Corners `x1 y1 x2 y2` become `{x, y, width, height}`. Throws on a malformed line, naming it.
 */
export function parseFlickrLogos27Training(text: string): FlickrLogos27Image[] {
  const images = new Map<string, { boxes: FlickrLogos27Box[]; seen: Set<string> }>();
  text.split(/\r?\n/).forEach((line, index) => {
    const fields = line.trim().split(/\s+/);
    if (fields.length === 1 && fields[0] === "") return;
    const corners = fields.slice(3, 7).map(Number);
    if (
      fields.length !== 7 ||
      corners.some((v) => !Number.isFinite(v)) ||
      corners[2] <= corners[0] ||
      corners[3] <= corners[1]
    ) {
      throw new Error(
        `line ${index + 1} is not "<file> <class> <subset> <x1> <y1> <x2> <y2>": ${JSON.stringify(line)}`,
      );
    }
    const [file, className] = fields;
    const entry = images.get(file) ?? { boxes: [], seen: new Set<string>() };
    images.set(file, entry);
    const key = [className, ...corners].join(" ");
    if (entry.seen.has(key)) return;
    entry.seen.add(key);
    const [x1, y1, x2, y2] = corners;
    entry.boxes.push({ className, x: x1, y: y1, width: x2 - x1, height: y2 - y1 });
  });
  return [...images].map(([file, { boxes }]) => ({ file, boxes }));
}

/** Parses `query_set_annotation.txt`: `<file>\t<Class>` per line (`none` = no logo). */
export function parseFlickrLogos27Query(text: string): { file: string; className: string }[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line, index) => {
      const fields = line.split(/\s+/);
      if (fields.length !== 2)
        throw new Error(`line ${index + 1} is not "<file>\\t<class>": ${JSON.stringify(line)}`);
      return { file: fields[0], className: fields[1] };
    });
}

/** The class an image counts as when it shows several brands: the one whose boxes cover the most area. */
export function dominantClass(boxes: readonly FlickrLogos27Box[]): string {
  const area = new Map<string, number>();
  for (const box of boxes) area.set(box.className, (area.get(box.className) ?? 0) + box.width * box.height);
  return [...area].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
}

/**
 * The manifest every importer and the generator produce: which image goes to which split and
 * class, with its logo boxes. A materialised dataset directory is an ImageFolder tree
 * (`<split>/<class>/<file>`) plus this manifest as `manifest.json`.
 */
import type { DatasetSplit } from "../vocabulary";

/** The three splits of every LogoLab dataset. */
export type SplitName = "train" | "val" | "test";

/** Splits in their canonical order. */
export const SPLIT_NAMES: readonly SplitName[] = ["train", "val", "test"];

/** The manifest's name of a split as the API names it (`TEST` → `test`). */
export function splitNameOf(split: DatasetSplit): SplitName {
  return split.toLowerCase() as SplitName;
}

/** The class of images that show no logo (FlickrLogos-32's name for it). */
export const NO_LOGO_CLASS = "no-logo";

/** An axis-aligned logo box in pixels of the image it belongs to. */
export interface BoundingBox {
  x: number;
  y: number;
  width: number;
  height: number;
  /** The brand in the box when it differs from the image's class (a photo showing several brands). */
  className?: string;
}

/** One image of a dataset. */
export interface ManifestEntry {
  /** Path inside the managed dataset directory: `<split>/<class>/<file>`. */
  relpath: string;
  /** Path of the original file relative to the imported root (for reports and provenance). */
  sourceRelpath: string;
  className: string;
  /** Logo boxes; empty for `no-logo` images and for importers that have no boxes. */
  bboxes: BoundingBox[];
}

/** Which importer made a manifest, from where, with which split recipe. */
export interface ManifestSource {
  kind: "flickrlogos32" | "flickrlogos27" | "pascalvoc" | "imagefolder";
  /** Absolute path of the imported root. */
  root: string;
  /** The FlickrLogos-32 split recipe; absent for ImageFolder. */
  recipe?: "OFFICIAL" | "ARTICLE";
}

/** What an import plans to write, and what `manifest.json` holds afterwards. */
export interface DatasetManifest {
  formatVersion: 1;
  source: ManifestSource;
  /** Sorted class names, `no-logo` included when the dataset has it. */
  classes: string[];
  splits: Record<SplitName, ManifestEntry[]>;
}

/** Image counts per split (the registry's `splitCounts`). */
export type SplitCounts = Record<SplitName, number>;

/** Image counts per split and class. */
export type ClassCounts = Record<SplitName, Record<string, number>>;

/** Number of images in each split (those `counts` accepts, default all). */
export function countSplits(
  manifest: DatasetManifest,
  counts: (entry: ManifestEntry) => boolean = () => true,
): SplitCounts {
  return {
    train: manifest.splits.train.filter(counts).length,
    val: manifest.splits.val.filter(counts).length,
    test: manifest.splits.test.filter(counts).length,
  };
}

/** Number of images of each class in each split; every class of the manifest appears, 0 included. */
export function countClasses(manifest: DatasetManifest): ClassCounts {
  const counts = {} as ClassCounts;
  for (const split of SPLIT_NAMES) {
    const perClass: Record<string, number> = Object.fromEntries(manifest.classes.map((c) => [c, 0]));
    for (const entry of manifest.splits[split])
      perClass[entry.className] = (perClass[entry.className] ?? 0) + 1;
    counts[split] = perClass;
  }
  return counts;
}

/** The managed relpath of an image: `<split>/<class>/<file name>`. */
export function managedRelpath(split: SplitName, className: string, fileName: string): string {
  return `${split}/${className}/${fileName}`;
}

import fs from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import type { RgbImage } from "./perspectiveWarp";

/** Where a logo on a background would sit; assigned per photo by looking at it (build-backgrounds.mjs). */
export const BACKGROUND_SCENES = [
  "street",
  "shop",
  "vehicle",
  "people",
  "product",
  "food",
  "indoor",
  "building",
  "animal",
  "nature",
  "texture",
] as const;
export type BackgroundScene = (typeof BACKGROUND_SCENES)[number];

/** The photos a generator run draws from: training sets use `train`, held-out sets `heldOut`. */
export type BackgroundPart = "train" | "heldOut";

/** One committed background photograph (an entry of `data/backgrounds/index.json`). */
export interface BackgroundPhoto {
  file: string;
  width: number;
  height: number;
  /** What the photo shows. */
  scene: BackgroundScene;
  /** Near-duplicates (two views of one place or object) share a group; otherwise the file's stem. */
  group: string;
  /** In the held-out part (about 20 % of every scene, whole groups); never drawn for training. */
  heldOut: boolean;
  package: string;
  packageVersion: string;
  license: string;
  copyright: string;
}

/** The photos of one part of the pool, in their given order. */
export function backgroundsOfPart(
  photos: readonly BackgroundPhoto[],
  part: BackgroundPart,
): BackgroundPhoto[] {
  const wantHeldOut = part === "heldOut";
  return photos.filter((photo) => photo.heldOut === wantHeldOut);
}

/** The committed background set, next to the source tree (`<repo>/data/backgrounds`). */
export const DEFAULT_BACKGROUNDS_DIR = path.resolve(__dirname, "../../data/backgrounds");

/** Reads the index of a background set. */
export async function readBackgroundIndex(dir: string = DEFAULT_BACKGROUNDS_DIR): Promise<BackgroundPhoto[]> {
  const entries = JSON.parse(await fs.readFile(path.join(dir, "index.json"), "utf8")) as BackgroundPhoto[];
  return entries.sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** Decodes background photos on first use and keeps their RGB pixels for the rest of a run. */
export class BackgroundLibrary {
  private readonly decoded = new Map<string, Promise<RgbImage>>();

  constructor(
    readonly dir: string,
    readonly photos: readonly BackgroundPhoto[],
  ) {}

  /** The RGB pixels of a photo (decoded once). */
  pixels(file: string): Promise<RgbImage> {
    let pending = this.decoded.get(file);
    if (pending === undefined) {
      pending = sharp(path.join(this.dir, file))
        .removeAlpha()
        .toColourspace("srgb")
        .raw()
        .toBuffer({ resolveWithObject: true })
        .then(({ data, info }) => ({
          width: info.width,
          height: info.height,
          data: new Uint8Array(data.buffer, data.byteOffset, data.length),
        }));
      this.decoded.set(file, pending);
    }
    return pending;
  }
}

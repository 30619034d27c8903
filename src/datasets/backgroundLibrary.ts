import fs from "node:fs/promises";
import path from "node:path";
import sharp from "sharp";
import type { RgbImage } from "./perspectiveWarp";

/** One committed background photograph (an entry of `data/backgrounds/index.json`). */
export interface BackgroundPhoto {
  file: string;
  width: number;
  height: number;
  package: string;
  packageVersion: string;
  license: string;
  copyright: string;
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

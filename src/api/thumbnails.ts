import { readdir } from "node:fs/promises";
import path from "node:path";
import express, { type Request, type Response } from "express";
import sharp from "sharp";
import { LogoLabError } from "../errors";
import type { Registry } from "../experiments/registry";
import { authenticate, requireRole } from "./auth";

/** Longest side of a thumbnail, px. */
export const THUMBNAIL_SIZE = 160;
const SPLITS = new Set(["train", "val", "test"]);

function refuse(res: Response, status: number, code: string, message: string) {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/**
 * `<split>/<class>/<file>` inside a dataset's root, or undefined when the path leaves the root,
 * names no split, or has another shape: nothing outside the managed images is ever read.
 */
export function imagePathInside(rootPath: string, file: string): string | undefined {
  const parts = file.split("/");
  if (parts.length !== 3 || !SPLITS.has(parts[0]) || parts.some((p) => !p || p === "." || p === "..")) {
    return undefined;
  }
  const resolved = path.resolve(rootPath, ...parts);
  return resolved.startsWith(path.resolve(rootPath) + path.sep) ? resolved : undefined;
}

async function nthImageOfClass(rootPath: string, label: string, index: number): Promise<string | undefined> {
  for (const split of ["train", "val", "test"]) {
    const file = imagePathInside(rootPath, `${split}/${label}/x`);
    if (!file) return undefined;
    const names = (await readdir(path.dirname(file)).catch(() => [] as string[]))
      .filter((name) => /\.(jpe?g|png|webp|gif|bmp)$/i.test(name))
      .sort();
    if (index < names.length) return path.join(path.dirname(file), names[index]);
    index -= names.length;
  }
  return undefined;
}

/**
 * GET /thumbnails/:datasetId?file=<split>/<class>/<file> — a JPEG thumbnail of one image of a
 * dataset (error inspector), or ?class=<label>&index=<n> — the n-th image of a class (dataset
 * sample grid). Needs a VIEWER key, like reading the dataset through GraphQL; cached privately.
 */
export function thumbnailRoutes(registry: Registry): express.Router {
  const router = express.Router();
  router.get("/thumbnails/:datasetId", async (req: Request<{ datasetId: string }>, res) => {
    try {
      requireRole(await authenticate(req.headers.authorization, registry.apiKeys), "VIEWER");
    } catch (error) {
      const code = error instanceof LogoLabError ? error.code : "UNAUTHENTICATED";
      return refuse(res, code === "FORBIDDEN" ? 403 : 401, code, (error as Error).message);
    }
    const dataset = await registry.datasets.get(req.params.datasetId).catch(() => null);
    if (!dataset) return refuse(res, 404, "NOT_FOUND", `no dataset ${req.params.datasetId}`);
    const { file, class: label, index } = req.query;
    const source =
      typeof file === "string"
        ? imagePathInside(dataset.rootPath, file)
        : typeof label === "string" && dataset.classes.includes(label)
          ? await nthImageOfClass(dataset.rootPath, label, Math.max(0, Number(index) || 0))
          : undefined;
    if (!source) return refuse(res, 404, "NOT_FOUND", "no such image in this dataset");
    try {
      const jpeg = await sharp(source)
        .rotate()
        .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: "inside", withoutEnlargement: false })
        .jpeg({ quality: 80 })
        .toBuffer();
      res.setHeader("Cache-Control", "private, max-age=3600");
      res.type("image/jpeg").send(jpeg);
    } catch {
      refuse(res, 404, "NOT_FOUND", "no such image in this dataset");
    }
  });
  return router;
}

import { existsSync } from "node:fs";
import sharp from "sharp";
import type { BoundingBox } from "./datasetManifest";
import type { DatasetProblem } from "./datasetProblems";
import { findDecodeFailure } from "./imageDecodeCheck";

/** How far (px) a box may reach past its image's edge before it counts as wrong (annotation rounding). */
export const BOX_EDGE_TOLERANCE_PX = 2;

/** Whether `box` lies inside a `width × height` image (within the tolerance) and has an area. */
export function isBoxInside(box: BoundingBox, width: number, height: number): boolean {
  const t = BOX_EDGE_TOLERANCE_PX;
  return (
    box.width > 0 &&
    box.height > 0 &&
    box.x >= -t &&
    box.y >= -t &&
    box.x + box.width <= width + t &&
    box.y + box.height <= height + t
  );
}

/**
 * Checks one annotated image of an import: the file exists and decodes, and every box lies inside
 * the image as stored (annotations use the stored pixels, before any EXIF rotation). Adds what is
 * wrong to `problems` (paths as `relpath`); returns whether the image is usable.
 */
export async function checkImageBoxes(
  absolutePath: string,
  relpath: string,
  boxes: readonly BoundingBox[],
  problems: DatasetProblem[],
): Promise<boolean> {
  if (!existsSync(absolutePath)) {
    problems.push({ kind: "missing-image", path: relpath, message: "annotated but the file does not exist" });
    return false;
  }
  const failure = await findDecodeFailure(absolutePath);
  if (failure !== null) {
    problems.push({ kind: "unreadable-image", path: relpath, message: `does not decode: ${failure}` });
    return false;
  }
  const { width = 0, height = 0 } = await sharp(absolutePath).metadata();
  const outside = boxes.filter((box) => !isBoxInside(box, width, height));
  for (const box of outside) {
    problems.push({
      kind: "invalid-box",
      path: relpath,
      message: `box x=${box.x} y=${box.y} w=${box.width} h=${box.height} lies outside the ${width}×${height} image`,
    });
  }
  return outside.length === 0;
}

import path from "node:path";
import type { SynthImageRecord } from "../../src/datasets/synthLogos32";
import type { LabeledImage } from "../../src/ml/batches";

/** The generator's images of one split (under `dir`) as training input, labelled in `labels`. */
export function generatedItems(
  dir: string,
  images: readonly SynthImageRecord[],
  split: string,
  labels: readonly string[],
): LabeledImage[] {
  return images
    .filter((image) => image.split === split)
    .map((image) => ({
      source: path.join(dir, image.relpath),
      label: labels.indexOf(image.className),
      boxes: image.bboxes.map(({ x, y, width, height }) => ({ x, y, width, height })),
    }));
}

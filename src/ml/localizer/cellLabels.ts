import type { PixelBox } from "../batches";

/** Label of a cell left out of the loss (the ring around a logo, where the label is uncertain). */
export const IGNORE_CELL = -1;
/** Width of the ignore ring around a box, as a fraction of the box's width (and height). */
export const IGNORE_RING_FRACTION = 0.25;

/** A box in fractions of the image's width and height, with its class index. */
export interface FractionBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
  label: number;
}

/** An item's pixel boxes as fractions of its `width × height`, labelled with the box's or the image's class. */
export function fractionBoxes(
  boxes: readonly PixelBox[] | undefined,
  imageLabel: number,
  width: number,
  height: number,
): FractionBox[] {
  return (boxes ?? [])
    .filter((box) => box.width > 0 && box.height > 0)
    .map((box) => ({
      left: box.x / width,
      top: box.y / height,
      right: (box.x + box.width) / width,
      bottom: (box.y + box.height) / height,
      label: box.label ?? imageLabel,
    }));
}

/**
 * Per-cell labels of a `grid × grid` map from an image's boxes (row-major `[grid·grid]`). Cell
 * (r, q) is centred at ((q + ½)/grid, (r + ½)/grid). Cells whose centre lies in a box take its
 * class (a box containing no centre gives its class to the cell nearest its centre); cells in a
 * ring of {@link IGNORE_RING_FRACTION} of the box size around it are {@link IGNORE_CELL}; all
 * others are `noLogoLabel`. Pure.
 */
export function cellLabels(
  boxes: readonly FractionBox[],
  grid: number,
  noLogoLabel: number,
  ringFraction = IGNORE_RING_FRACTION,
): Int32Array {
  const labels = new Int32Array(grid * grid).fill(noLogoLabel);
  const centre = (i: number) => (i + 0.5) / grid;
  for (const box of boxes) {
    const dx = (box.right - box.left) * ringFraction;
    const dy = (box.bottom - box.top) * ringFraction;
    for (let r = 0; r < grid; r++) {
      for (let q = 0; q < grid; q++) {
        const [x, y] = [centre(q), centre(r)];
        if (x >= box.left - dx && x <= box.right + dx && y >= box.top - dy && y <= box.bottom + dy)
          labels[r * grid + q] = IGNORE_CELL;
      }
    }
  }
  for (const box of boxes) {
    let isCovered = false;
    for (let r = 0; r < grid; r++) {
      for (let q = 0; q < grid; q++) {
        const [x, y] = [centre(q), centre(r)];
        if (x >= box.left && x <= box.right && y >= box.top && y <= box.bottom) {
          labels[r * grid + q] = box.label;
          isCovered = true;
        }
      }
    }
    if (!isCovered) {
      const clampCell = (v: number) => Math.min(grid - 1, Math.max(0, Math.floor(v * grid)));
      const q = clampCell((box.left + box.right) / 2);
      const r = clampCell((box.top + box.bottom) / 2);
      labels[r * grid + q] = box.label;
    }
  }
  return labels;
}

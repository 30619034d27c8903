import type { ImageBox } from "../classificationOutput";

/**
 * An image's class scores from its cells' probabilities `[cells, classCount]` (row-major): per
 * brand the most confident cell's probability; no-logo = 1 − the best brand's score, so "no-logo
 * when P(no-logo) ≥ τ" reads "no brand cell reached 1 − τ". Without a no-logo class (−1) every
 * class is a brand. Pure.
 */
export function imageScores(
  cellProbabilities: ArrayLike<number>,
  cellCount: number,
  classCount: number,
  noLogoIndex: number,
  offset = 0,
): Float32Array {
  const scores = new Float32Array(classCount);
  for (let cell = 0; cell < cellCount; cell++) {
    const row = offset + cell * classCount;
    for (let c = 0; c < classCount; c++) {
      if (c !== noLogoIndex && cellProbabilities[row + c] > scores[c]) scores[c] = cellProbabilities[row + c];
    }
  }
  if (noLogoIndex >= 0) {
    let best = 0;
    for (let c = 0; c < classCount; c++) if (c !== noLogoIndex && scores[c] > best) best = scores[c];
    scores[noLogoIndex] = 1 - best;
  }
  return scores;
}

/** Share of the peak cell's probability a neighbouring cell needs to join the decoded box. */
export const BOX_CELL_FRACTION = 0.5;

/**
 * Where class `classIndex` was found, in pixels of the `width × height` original: the cells
 * 4-connected to that class's most confident cell whose probability is at least
 * `fraction` × the peak, as the rectangle of those cells (the map covers the whole image, cell
 * (r, q) spanning [q/grid, (q+1)/grid) of the width). Pure.
 */
export function decodeBox(
  cellProbabilities: ArrayLike<number>,
  grid: number,
  classCount: number,
  classIndex: number,
  width: number,
  height: number,
  fraction = BOX_CELL_FRACTION,
  offset = 0,
): ImageBox {
  const probability = (cell: number) => cellProbabilities[offset + cell * classCount + classIndex];
  let peak = 0;
  for (let cell = 1; cell < grid * grid; cell++) if (probability(cell) > probability(peak)) peak = cell;
  const floor = probability(peak) * fraction;
  const isIn = new Uint8Array(grid * grid);
  const stack = [peak];
  isIn[peak] = 1;
  let [top, bottom, left, right] = [grid, -1, grid, -1];
  while (stack.length > 0) {
    const cell = stack.pop()!;
    const [r, q] = [Math.floor(cell / grid), cell % grid];
    top = Math.min(top, r);
    bottom = Math.max(bottom, r);
    left = Math.min(left, q);
    right = Math.max(right, q);
    const neighbours = [
      r > 0 ? cell - grid : -1,
      r < grid - 1 ? cell + grid : -1,
      q > 0 ? cell - 1 : -1,
      q < grid - 1 ? cell + 1 : -1,
    ];
    for (const next of neighbours) {
      if (next >= 0 && isIn[next] === 0 && probability(next) >= floor) {
        isIn[next] = 1;
        stack.push(next);
      }
    }
  }
  return {
    x: (left / grid) * width,
    y: (top / grid) * height,
    width: ((right + 1 - left) / grid) * width,
    height: ((bottom + 1 - top) / grid) * height,
  };
}

/** Intersection over union of two boxes (0 when either is empty). */
export function intersectionOverUnion(a: ImageBox, b: ImageBox): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  const intersection = Math.max(0, width) * Math.max(0, height);
  const union = a.width * a.height + b.width * b.height - intersection;
  return union <= 0 ? 0 : intersection / union;
}

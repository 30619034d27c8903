/**
 * Hard-negative mining for the cell head: the no-logo cells the current head mistakes most for a
 * brand (a storefront sign, a shirt print, another company's mark) are the ones worth learning,
 * and with the image decision taking the maximum over every cell they are the ones that make a
 * no-logo image look like a logo. Random negatives rarely hit them.
 */

/** Of the negative cells drawn per training image each epoch, how many are its hardest ones. */
export const HARD_NEGATIVE_CELLS_PER_IMAGE = 32;
/** First epoch that mines: epoch 1's head is untrained, its mistakes say nothing. */
export const HARD_NEGATIVE_FIRST_EPOCH = 2;

/**
 * Each cell's brand peak: the largest probability any brand (not no-logo) has in that cell, from
 * cell probabilities `[cells, classCount]` (row-major) written into `target` from `targetOffset`.
 * Pure apart from writing `target`.
 */
export function writeBrandPeaks(
  cellProbabilities: ArrayLike<number>,
  cellCount: number,
  classCount: number,
  noLogoIndex: number,
  target: Float32Array,
  targetOffset: number,
  sourceOffset = 0,
): void {
  for (let cell = 0; cell < cellCount; cell++) {
    const row = sourceOffset + cell * classCount;
    let peak = 0;
    for (let c = 0; c < classCount; c++) {
      if (c !== noLogoIndex && cellProbabilities[row + c] > peak) peak = cellProbabilities[row + c];
    }
    target[targetOffset + cell] = peak;
  }
}

/**
 * The `count` no-logo cells of one image with the highest brand peaks (`peaks` and `labels` are
 * that image's `[cells]`), hardest first; ties go to the lower cell index. Ignored and brand
 * cells are never chosen. Pure.
 */
export function hardestNegativeCells(
  peaks: ArrayLike<number>,
  labels: ArrayLike<number>,
  noLogoIndex: number,
  count: number,
): number[] {
  const negatives: number[] = [];
  for (let cell = 0; cell < labels.length; cell++) if (labels[cell] === noLogoIndex) negatives.push(cell);
  negatives.sort((a, b) => peaks[b] - peaks[a] || a - b);
  return negatives.slice(0, Math.max(0, count));
}

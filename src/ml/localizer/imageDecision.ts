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

/** The threshold {@link chooseThresholdForMacroF1} picked and the macro-F1 it reaches. */
export interface MacroF1ThresholdChoice {
  threshold: number;
  macroF1: number;
}

/**
 * The no-logo threshold τ ("no-logo when P(no-logo) ≥ τ, else the best brand", as `decide`) that
 * maximises macro-F1 on validation scores `[N, classCount]` — what LOCALIZER runs are selected and
 * judged by (recognition F1, the whole-image heads' criterion, ignores the no-logo class's own F1
 * and chose thresholds that missed many small logos). Candidates lie midway between consecutive
 * distinct P(no-logo) values (plus 0 and 1 ends); ties go to the lower threshold. One sort and one
 * sweep keeping per-class counts: O(N log N + N·classCount). Pure.
 */
export function chooseThresholdForMacroF1(
  scores: ArrayLike<number>,
  classCount: number,
  actual: ArrayLike<number>,
  noLogoIndex: number,
): MacroF1ThresholdChoice {
  const count = actual.length;
  const images = Array.from({ length: count }, (_, n) => {
    let brand = -1;
    for (let c = 0; c < classCount; c++) {
      if (c === noLogoIndex) continue;
      if (brand < 0 || scores[n * classCount + c] > scores[n * classCount + brand]) brand = c;
    }
    return { noLogo: scores[n * classCount + noLogoIndex], brand, truth: actual[n] };
  }).sort((a, b) => a.noLogo - b.noLogo);
  const support = new Float64Array(classCount);
  const predicted = new Float64Array(classCount);
  const hits = new Float64Array(classCount);
  for (const image of images) {
    support[image.truth]++;
    predicted[noLogoIndex]++;
    if (image.truth === noLogoIndex) hits[noLogoIndex]++;
  }
  const macro = (): number => {
    let sum = 0;
    let present = 0;
    for (let c = 0; c < classCount; c++) {
      if (support[c] === 0 && predicted[c] === 0) continue;
      present++;
      const precision = predicted[c] === 0 ? 0 : hits[c] / predicted[c];
      const recall = support[c] === 0 ? 0 : hits[c] / support[c];
      sum += precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    }
    return present === 0 ? 0 : sum / present;
  };
  let best: MacroF1ThresholdChoice | undefined;
  for (let i = 0; i <= count; i++) {
    if (i > 0) {
      // images[i-1] moves from no-logo to its best brand.
      const image = images[i - 1];
      predicted[noLogoIndex]--;
      if (image.truth === noLogoIndex) hits[noLogoIndex]--;
      predicted[image.brand]++;
      if (image.truth === image.brand) hits[image.brand]++;
    }
    const isBoundary = i === 0 || i === count || images[i].noLogo > images[i - 1].noLogo;
    if (!isBoundary) continue;
    const lower = i === 0 ? 0 : images[i - 1].noLogo;
    const upper = i === count ? 1 : images[i].noLogo;
    const candidate = { threshold: (lower + upper) / 2, macroF1: macro() };
    if (best === undefined || candidate.macroF1 > best.macroF1) best = candidate;
  }
  return best!;
}

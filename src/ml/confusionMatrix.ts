/** Counts of (actual, predicted) class pairs: `counts[actual][predicted]`, rows and columns in `labels` order. */
export interface ConfusionMatrix {
  labels: string[];
  counts: number[][];
}

/**
 * Builds the confusion matrix of `predicted` against `actual` class indices (same length, each in
 * `[0, labels.length)`); throws on a length mismatch or an out-of-range index.
 */
export function confusionMatrix(
  labels: readonly string[],
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): ConfusionMatrix {
  if (actual.length !== predicted.length) {
    throw new Error(`actual has ${actual.length} entries but predicted has ${predicted.length}`);
  }
  const classCount = labels.length;
  const counts = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const p = predicted[i];
    if (!(
      a >= 0 &&
      a < classCount &&
      p >= 0 &&
      p < classCount &&
      Number.isInteger(a) &&
      Number.isInteger(p)
    )) {
      throw new Error(
        `class index out of range at ${i}: actual ${a}, predicted ${p} (${classCount} classes)`,
      );
    }
    counts[a][p]++;
  }
  return { labels: labels.slice(), counts };
}

/** Total number of examples in a confusion matrix. */
export function totalCount(matrix: ConfusionMatrix): number {
  return matrix.counts.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
}

/** One off-diagonal cell of a confusion matrix: `count` images of `actual` answered `predicted`. */
export interface Confusion {
  actual: string;
  predicted: string;
  count: number;
}

/**
 * The `limit` largest off-diagonal cells (mistakes), largest first; ties in label order
 * (actual, then predicted). Pure.
 */
export function mostCommonConfusions(matrix: ConfusionMatrix, limit: number): Confusion[] {
  const confusions: Confusion[] = [];
  matrix.counts.forEach((row, a) =>
    row.forEach((count, p) => {
      if (a !== p && count > 0)
        confusions.push({ actual: matrix.labels[a], predicted: matrix.labels[p], count });
    }),
  );
  return confusions.sort((x, y) => y.count - x.count).slice(0, Math.max(0, limit));
}

import type { EpochMetrics } from "./checkpoint";
import { confusionMatrix, totalCount, type ConfusionMatrix } from "./confusionMatrix";

/** Precision, recall and F1 of one class (0 where undefined, e.g. nothing predicted), with its support. */
export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Number of examples whose actual class this is. */
  support: number;
}

/** Everything the API reports for one split of one epoch. */
export interface ClassificationReport {
  accuracy: number;
  macroF1: number;
  perClass: ClassMetrics[];
  confusionMatrix: ConfusionMatrix;
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}

/** Fraction of examples on the diagonal (0 for an empty matrix). */
export function accuracy(matrix: ConfusionMatrix): number {
  const correct = matrix.counts.reduce((sum, row, i) => sum + row[i], 0);
  return ratio(correct, totalCount(matrix));
}

/** Per-class precision / recall / F1 / support from a confusion matrix. */
export function perClassMetrics(matrix: ConfusionMatrix): ClassMetrics[] {
  return matrix.labels.map((label, c) => {
    const truePositives = matrix.counts[c][c];
    const support = matrix.counts[c].reduce((a, b) => a + b, 0);
    const predictedCount = matrix.counts.reduce((sum, row) => sum + row[c], 0);
    const precision = ratio(truePositives, predictedCount);
    const recall = ratio(truePositives, support);
    return { label, precision, recall, f1: ratio(2 * precision * recall, precision + recall), support };
  });
}

/**
 * Unweighted mean F1 over the classes that occur among the actual or the predicted examples (as
 * scikit-learn does by default): a class absent from a split and never predicted does not count.
 */
export function macroF1(matrix: ConfusionMatrix): number {
  const metrics = perClassMetrics(matrix);
  const present = metrics.filter((m, c) => m.support > 0 || matrix.counts.some((row) => row[c] > 0));
  return ratio(
    present.reduce((sum, m) => sum + m.f1, 0),
    present.length,
  );
}

/** Accuracy, macro-F1, per-class metrics and the confusion matrix of `predicted` vs `actual`. */
export function classificationReport(
  labels: readonly string[],
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): ClassificationReport {
  const matrix = confusionMatrix(labels, actual, predicted);
  return {
    accuracy: accuracy(matrix),
    macroF1: macroF1(matrix),
    perClass: perClassMetrics(matrix),
    confusionMatrix: matrix,
  };
}

/** The class most frequent in `trainLabels` (ties: the lowest index). */
export function majorityClass(trainLabels: ArrayLike<number>): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < trainLabels.length; i++)
    counts.set(trainLabels[i], (counts.get(trainLabels[i]) ?? 0) + 1);
  let best = -1;
  let bestCount = 0;
  for (const [label, count] of counts) {
    if (count > bestCount || (count === bestCount && label < best)) [best, bestCount] = [label, count];
  }
  return best;
}

/** Accuracy on `evalLabels` of always predicting the training set's majority class. */
export function majorityBaselineAccuracy(
  trainLabels: ArrayLike<number>,
  evalLabels: ArrayLike<number>,
): number {
  const majority = majorityClass(trainLabels);
  let hits = 0;
  for (let i = 0; i < evalLabels.length; i++) if (evalLabels[i] === majority) hits++;
  return ratio(hits, evalLabels.length);
}

/** Index of the largest of `probabilities[offset … offset+count)` relative to offset (ties: first). */
export function argmax(probabilities: ArrayLike<number>, offset = 0, count = probabilities.length): number {
  let best = 0;
  for (let i = 1; i < count; i++) if (probabilities[offset + i] > probabilities[offset + best]) best = i;
  return best;
}

/**
 * Class decisions from row-major probabilities `[N, classCount]`. Without a threshold: the argmax.
 * With `noLogoThreshold`: "no-logo" when its probability is ≥ the threshold, else the most probable
 * brand — trading recall for precision as FlickrLogos-32 results are reported.
 */
export function decide(
  probabilities: ArrayLike<number>,
  classCount: number,
  noLogoIndex?: number,
  noLogoThreshold?: number,
): Int32Array {
  const count = probabilities.length / classCount;
  const decisions = new Int32Array(count);
  for (let n = 0; n < count; n++) {
    const offset = n * classCount;
    if (noLogoIndex === undefined || noLogoThreshold === undefined) {
      decisions[n] = argmax(probabilities, offset, classCount);
      continue;
    }
    if (probabilities[offset + noLogoIndex] >= noLogoThreshold) {
      decisions[n] = noLogoIndex;
      continue;
    }
    let best = -1;
    for (let c = 0; c < classCount; c++) {
      if (c !== noLogoIndex && (best < 0 || probabilities[offset + c] > probabilities[offset + best]))
        best = c;
    }
    decisions[n] = best;
  }
  return decisions;
}

/** FlickrLogos-32 recognition scores (Romberg et al. 2011). */
export interface RecognitionScores {
  /** Correct brand decisions / images predicted as any brand. */
  precision: number;
  /** Correct brand decisions / images that show a logo. */
  recall: number;
  /** Correct decisions (brand or no-logo) / all images. */
  accuracy: number;
}

/** The FlickrLogos-32 recognition protocol over class decisions; `noLogoIndex` is the no-logo class. */
export function recognitionScores(
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
  noLogoIndex: number,
): RecognitionScores {
  if (actual.length !== predicted.length) {
    throw new Error(`actual has ${actual.length} entries but predicted has ${predicted.length}`);
  }
  let predictedLogos = 0;
  let logoImages = 0;
  let correctLogos = 0;
  let correct = 0;
  for (let i = 0; i < actual.length; i++) {
    const isLogoImage = actual[i] !== noLogoIndex;
    if (predicted[i] !== noLogoIndex) predictedLogos++;
    if (isLogoImage) logoImages++;
    if (predicted[i] === actual[i]) {
      correct++;
      if (isLogoImage) correctLogos++;
    }
  }
  return {
    precision: ratio(correctLogos, predictedLogos),
    recall: ratio(correctLogos, logoImages),
    accuracy: ratio(correct, actual.length),
  };
}

/** What an epoch's training pass measured. */
export interface EpochOutcome {
  loss: number;
  trainAccuracy: number;
  imagesPerSecond: number;
}

/**
 * The metrics every architecture records for an epoch: its training pass, its validation report
 * beside the training set's majority baseline, the test accuracy and no-logo threshold when there
 * are any, and the wall time since `startedAt`.
 */
export function epochMetricsOf(parts: {
  epoch: number;
  outcome: EpochOutcome;
  report: ClassificationReport;
  trainLabels: readonly number[];
  validationLabels: Int32Array;
  testAccuracy: number | undefined;
  noLogoThreshold: number | undefined;
  startedAt: number;
}): EpochMetrics {
  const { outcome, report, testAccuracy, noLogoThreshold } = parts;
  return {
    epoch: parts.epoch,
    loss: outcome.loss,
    trainAccuracy: outcome.trainAccuracy,
    valAccuracy: report.accuracy,
    valMacroF1: report.macroF1,
    ...(testAccuracy === undefined ? {} : { testAccuracy }),
    majorityBaselineAccuracy: majorityBaselineAccuracy(parts.trainLabels, parts.validationLabels),
    durationMs: performance.now() - parts.startedAt,
    imagesPerSecond: outcome.imagesPerSecond,
    perClass: report.perClass,
    confusionMatrix: report.confusionMatrix,
    ...(noLogoThreshold === undefined ? {} : { noLogoThreshold }),
  };
}

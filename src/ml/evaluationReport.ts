import { confusionMatrix, type ConfusionMatrix } from "./confusionMatrix";
import {
  accuracy,
  perClassMetrics,
  recognitionScores,
  type ClassMetrics,
  type RecognitionScores,
} from "./evaluate";
import { NO_LOGO_LABEL } from "./noLogoThreshold";

/** What a model answered for one image of an evaluated split. */
export interface ImagePrediction {
  /** The image's class in the dataset. */
  truth: string;
  /** The model's decision (its no-logo threshold applied). */
  predicted: string;
}

/** The scores of a model on one split of a dataset. */
export interface EvaluationReport {
  /** Row and column labels: the model's labels, then dataset classes the model does not know. */
  labels: string[];
  accuracy: number;
  /**
   * Mean F1 over the dataset classes that have images in the split — a model trained on other
   * classes is not scored on labels the split cannot contain.
   */
  macroF1: number;
  perClass: ClassMetrics[];
  confusionMatrix: ConfusionMatrix;
  /** Accuracy of always answering the split's most frequent class. */
  majorityBaselineAccuracy: number;
  /** FlickrLogos recognition precision / recall, when the labels include no-logo; else null. */
  recognition: RecognitionScores | null;
}

/**
 * Scores `predictions` of a model with `modelLabels` on a split of a dataset with `datasetClasses`.
 * Classes are matched by name; a true class the model does not know can only be answered wrongly.
 * Pure; O(images + labels²).
 */
export function evaluationReport(
  modelLabels: readonly string[],
  datasetClasses: readonly string[],
  predictions: readonly ImagePrediction[],
): EvaluationReport {
  const labels = [...modelLabels, ...datasetClasses.filter((c) => !modelLabels.includes(c))];
  const indexOf = new Map(labels.map((label, i) => [label, i]));
  const known = (label: string): number => {
    const index = indexOf.get(label);
    if (index === undefined)
      throw new Error(`label ${JSON.stringify(label)} is neither the model's nor the dataset's`);
    return index;
  };
  const actual = Int32Array.from(predictions, (p) => known(p.truth));
  const predicted = Int32Array.from(predictions, (p) => known(p.predicted));
  const matrix = confusionMatrix(labels, actual, predicted);
  const perClass = perClassMetrics(matrix);
  const scored = perClass.filter((m) => datasetClasses.includes(m.label) && m.support > 0);
  const truthCounts = matrix.counts.map((row) => row.reduce((a, b) => a + b, 0));
  const noLogoIndex = indexOf.get(NO_LOGO_LABEL);
  const total = predictions.length;
  return {
    labels,
    accuracy: accuracy(matrix),
    macroF1: scored.length === 0 ? 0 : scored.reduce((sum, m) => sum + m.f1, 0) / scored.length,
    perClass,
    confusionMatrix: matrix,
    majorityBaselineAccuracy: total === 0 ? 0 : Math.max(...truthCounts) / total,
    recognition: noLogoIndex === undefined ? null : recognitionScores(actual, predicted, noLogoIndex),
  };
}

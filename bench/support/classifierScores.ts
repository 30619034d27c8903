import { readFile } from "node:fs/promises";
import type { ClassificationOutput } from "../../src/ml/classificationOutput";
import { mostCommonConfusions, type Confusion } from "../../src/ml/confusionMatrix";
import { classificationReport, majorityBaselineAccuracy } from "../../src/ml/evaluate";
import { NO_LOGO_LABEL } from "../../src/ml/noLogoThreshold";
import type { Classifier } from "../../src/serving/classifier";

/** How a model answered a list of image files, classified one at a time (bench:quality, bench:real). */
export interface Scores {
  images: number;
  accuracy: number;
  macroF1: number;
  noLogoRecall: number;
  noLogoPrecision: number;
  baseline: number;
  p50Ms: number;
  p95Ms: number;
  /** Logo images whose brand is among the 3 most probable brands (no threshold). */
  topThreeBrand: number;
  /** Per-brand recall, best first. */
  brandRecall: { label: string; recall: number; support: number }[];
  confusions: Confusion[];
}

/** Brands ranked in an answer's `topK` (no-logo left out). */
const rankedBrands = (output: ClassificationOutput): string[] =>
  output.topK.map((entry) => entry.label).filter((label) => label !== NO_LOGO_LABEL);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Classifies `files` one at a time (concurrency 1) and scores the answers against `truths`. */
export async function score(
  classifier: Classifier,
  checkpoint: string,
  labels: string[],
  files: { file: string; truth: string }[],
  trainLabels: number[],
): Promise<Scores> {
  const latencies: number[] = [];
  const predicted: number[] = [];
  let [logoImages, topThreeHits] = [0, 0];
  for (const { file, truth } of files) {
    const bytes = await readFile(file);
    const startedAt = performance.now();
    const output = await classifier.classify(checkpoint, bytes, 4);
    latencies.push(performance.now() - startedAt);
    predicted.push(labels.indexOf(output.label));
    if (truth !== NO_LOGO_LABEL) {
      logoImages++;
      if (rankedBrands(output).slice(0, 3).includes(truth)) topThreeHits++;
    }
  }
  const actual = files.map(({ truth }) => labels.indexOf(truth));
  const report = classificationReport(labels, actual, predicted);
  const noLogo = report.perClass.find((c) => c.label === NO_LOGO_LABEL)!;
  return {
    topThreeBrand: logoImages > 0 ? topThreeHits / logoImages : NaN,
    brandRecall: report.perClass
      .filter((c) => c.label !== NO_LOGO_LABEL && c.support > 0)
      .map(({ label, recall, support }) => ({ label, recall, support }))
      .sort((a, b) => b.recall - a.recall),
    confusions: mostCommonConfusions(report.confusionMatrix, 6),
    images: files.length,
    accuracy: report.accuracy,
    macroF1: report.macroF1,
    noLogoRecall: noLogo.recall,
    noLogoPrecision: noLogo.precision,
    baseline: majorityBaselineAccuracy(trainLabels, actual),
    p50Ms: percentile(latencies.slice(1), 50),
    p95Ms: percentile(latencies.slice(1), 95),
  };
}

/** A number for a table: `digits` decimals, `na` when not finite. */
export const fixed = (v: number, digits = 3): string => (Number.isFinite(v) ? v.toFixed(digits) : "na");

/** Per-brand recall and the most common mistakes of one image set, as two printable lines. */
export function errorLines(name: string, scores: Scores): string[] {
  return [
    `${name}, recall per brand: ${scores.brandRecall.map((b) => `${b.label} ${fixed(b.recall, 2)} (${b.support})`).join(", ")}`,
    `${name}, most common mistakes: ${scores.confusions.map((c) => `${c.actual} → ${c.predicted} ×${c.count}`).join(", ")}`,
  ];
}

import type { ConfusionMatrix } from "../ml/confusionMatrix";
import type { ClassMetrics } from "../ml/evaluate";
import type { EpochMetric, Run } from "./runRecords";

/**
 * The pure parts of `compareRuns`: which hyperparameters differ and which are shared, per-class
 * metrics side by side with their differences from a reference run, confusion-matrix differences.
 */

/** A hyperparameter whose values are not all equal across compared runs. */
export interface HyperparameterDifference {
  name: string;
  /** JSON text of the value in each run, in run order. */
  values: string[];
}

/** A hyperparameter every compared run has with the same value. */
export interface SharedHyperparameter {
  name: string;
  /** JSON text of the value. */
  value: string;
}

/** What `compareRuns` answers about the runs' settings. */
export interface RunComparisonSummary {
  bestRunId: string | null;
  differences: HyperparameterDifference[];
  shared: SharedHyperparameter[];
}

/** The run with the highest best validation macro-F1 (ties: best accuracy, then earliest), and what differs. */
export function summariseComparison(runs: Run[]): RunComparisonSummary {
  const scored = runs.filter((r) => r.bestValMacroF1 !== null);
  const best = scored.reduce<Run | null>((winner, run) => {
    if (!winner) return run;
    const byF1 = run.bestValMacroF1! - winner.bestValMacroF1!;
    const byAccuracy = (run.bestValAccuracy ?? 0) - (winner.bestValAccuracy ?? 0);
    return byF1 > 0 || (byF1 === 0 && byAccuracy > 0) ? run : winner;
  }, null);
  const params: Record<string, unknown>[] = runs.map((run) => ({ ...run.hyperparameters }));
  const names = [...new Set(params.flatMap((p) => Object.keys(p)))].sort();
  const all = names.map((name) => ({ name, values: params.map((p) => JSON.stringify(p[name] ?? null)) }));
  return {
    bestRunId: best?.id ?? null,
    differences: all.filter((d) => new Set(d.values).size > 1),
    shared: all
      .filter((d) => new Set(d.values).size === 1)
      .map((d) => ({ name: d.name, value: d.values[0] })),
  };
}

/** One run's metrics of one class, and their differences from the reference run's. */
export interface ClassMetricComparison {
  runId: string;
  /** Null where the run has no best epoch or its dataset lacks the class. */
  metrics: ClassMetrics | null;
  /** `metrics − reference`: null for the reference itself or where either lacks the class. */
  precisionDifference: number | null;
  recallDifference: number | null;
  f1Difference: number | null;
}

/** One class across the compared runs. */
export interface ClassComparison {
  label: string;
  runs: ClassMetricComparison[];
}

/** Labels of all matrices or class lists, reference's first, then in order of first appearance. */
function labelUnion(labelLists: readonly (readonly string[])[]): string[] {
  return [...new Set(labelLists.flat())];
}

/**
 * Per-class P/R/F1 of each run's best epoch side by side (`bestEpochs` in run order, null without
 * one), with differences from the run at `referenceIndex`.
 */
export function compareClasses(
  runIds: readonly string[],
  bestEpochs: readonly (EpochMetric | null)[],
  referenceIndex: number,
): ClassComparison[] {
  const byLabel = bestEpochs.map((e) => new Map((e?.perClass ?? []).map((m) => [m.label, m])));
  const order = [referenceIndex, ...runIds.keys()].filter((i, n, all) => all.indexOf(i) === n);
  const labels = labelUnion(order.map((i) => (bestEpochs[i]?.perClass ?? []).map((m) => m.label)));
  return labels.map((label) => {
    const reference = byLabel[referenceIndex]?.get(label) ?? null;
    return {
      label,
      runs: runIds.map((runId, i) => {
        const metrics = byLabel[i].get(label) ?? null;
        const difference = (key: "precision" | "recall" | "f1") =>
          i === referenceIndex || !metrics || !reference ? null : metrics[key] - reference[key];
        return {
          runId,
          metrics,
          precisionDifference: difference("precision"),
          recallDifference: difference("recall"),
          f1Difference: difference("f1"),
        };
      }),
    };
  });
}

/** `run − reference` over the union of their labels (a label one matrix lacks counts 0 there). */
export function confusionDifference(run: ConfusionMatrix, reference: ConfusionMatrix): ConfusionMatrix {
  const labels = labelUnion([reference.labels, run.labels]);
  const countOf = (matrix: ConfusionMatrix) => {
    const index = new Map(matrix.labels.map((label, i) => [label, i]));
    return (actual: string, predicted: string) => {
      const a = index.get(actual);
      const p = index.get(predicted);
      return a === undefined || p === undefined ? 0 : (matrix.counts[a]?.[p] ?? 0);
    };
  };
  const runCount = countOf(run);
  const referenceCount = countOf(reference);
  return {
    labels,
    counts: labels.map((actual) =>
      labels.map((predicted) => runCount(actual, predicted) - referenceCount(actual, predicted)),
    ),
  };
}

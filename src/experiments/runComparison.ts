import type { Run } from "./runRecords";

/** A hyperparameter whose values are not all equal across compared runs. */
export interface HyperparameterDifference {
  name: string;
  /** JSON text of the value in each run, in run order. */
  values: string[];
}

/** What `compareRuns` answers besides the runs themselves. */
export interface RunComparisonSummary {
  bestRunId: string | null;
  differences: HyperparameterDifference[];
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
  const differences = names
    .map((name) => ({ name, values: params.map((p) => JSON.stringify(p[name] ?? null)) }))
    .filter((d) => new Set(d.values).size > 1);
  return { bestRunId: best?.id ?? null, differences };
}

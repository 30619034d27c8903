import type { EpochMetrics } from "./checkpoint";

/** Better = higher validation macro-F1, ties broken by validation accuracy. */
export function isBetterEpoch(candidate: EpochMetrics, best: EpochMetrics | undefined): boolean {
  if (best === undefined) return true;
  if (candidate.valMacroF1 !== best.valMacroF1) return candidate.valMacroF1 > best.valMacroF1;
  return candidate.valAccuracy > best.valAccuracy;
}

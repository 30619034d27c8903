import type { EpochRecord } from "../experiments/runLifecycle";
import type { EpochMetrics } from "../ml/checkpoint";

/** An epoch's metrics as the registry stores them (test accuracy null when not measured). */
export function epochRecordOf(metrics: EpochMetrics): EpochRecord {
  return {
    epoch: metrics.epoch,
    loss: metrics.loss,
    trainAccuracy: metrics.trainAccuracy,
    valAccuracy: metrics.valAccuracy,
    testAccuracy: metrics.testAccuracy ?? null,
    valMacroF1: metrics.valMacroF1,
    majorityBaselineAccuracy: metrics.majorityBaselineAccuracy,
    durationMs: Math.round(metrics.durationMs),
    perClass: metrics.perClass,
    confusionMatrix: metrics.confusionMatrix,
  };
}

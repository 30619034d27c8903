import type { Dataset, DatasetRegistry } from "../experiments/datasets";
import { PREPARING_STATUSES, type DatabaseKind } from "../vocabulary";
import type { DatasetPreparation } from "./datasetPreparation";
import {
  PREPARATION_STALE_AFTER_MS,
  TRAINING_SIZES,
  type SyntheticDatasetRequest,
} from "./syntheticDatasets";

/** What `ensureDefaultDataset` needs to know about this start. */
export interface DefaultDatasetSettings {
  /** Embedded: this is the only process, so every preparing dataset was abandoned. */
  databaseKind: DatabaseKind;
  /** `config.isDefaultDatasetEnabled` (LOGOLAB_DEFAULT_DATASET). */
  isEnabled: boolean;
  /** The dataset to generate (default: SynthLogos-32, seed 1, {@link TRAINING_SIZES}, ARTICLE recipe). */
  request?: SyntheticDatasetRequest;
  /** Postgres: a preparing dataset unchanged for this long is abandoned, ms (default 2 minutes). */
  staleAfterMs?: number;
}

/** What `ensureDefaultDataset` did. */
export interface DefaultDatasetOutcome {
  /** Preparations found abandoned and marked FAILED. */
  abandonedCount: number;
  /** The default dataset now GENERATING in the background, or null when none was started. */
  generating: Dataset | null;
}

/**
 * Run once when the API starts, before it serves requests. First fails the preparations no
 * process is working on any more (embedded database: all of them, as only one process can open
 * it; PostgreSQL: those silent for `staleAfterMs`). Then, when enabled and no dataset is READY or
 * being prepared, starts generating the default SynthLogos-32 in the background — so a fresh
 * machine gets a dataset without a download, and a first start that was interrupted is retried.
 */
export async function ensureDefaultDataset(
  registry: DatasetRegistry,
  preparation: DatasetPreparation,
  settings: DefaultDatasetSettings,
): Promise<DefaultDatasetOutcome> {
  const isOnlyProcess = settings.databaseKind === "embedded";
  const staleBefore = isOnlyProcess
    ? new Date()
    : new Date(Date.now() - (settings.staleAfterMs ?? PREPARATION_STALE_AFTER_MS));
  const abandonedCount = await registry.failAbandonedPreparations(staleBefore);
  if (isOnlyProcess) await preparation.removeSyntheticScratch();
  if (!settings.isEnabled) return { abandonedCount, generating: null };
  if ((await registry.countWithStatus(["READY", ...PREPARING_STATUSES])) > 0) {
    return { abandonedCount, generating: null };
  }
  const generation = await preparation.startSynthetic(settings.request ?? { sizes: TRAINING_SIZES });
  return { abandonedCount, generating: generation.dataset };
}

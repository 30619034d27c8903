import type { PrismaClient } from "../../src/db/prismaClient";
import type { EpochRecord } from "../../src/experiments/runLifecycle";
import type { Hyperparameters } from "../../src/ml/hyperparameters";
import type { RunStatus } from "../../src/vocabulary";

/**
 * Runs written straight into the registry's tables (many per statement), for tests that need many
 * runs with epochs but no training. The best epoch follows the training loop's rule: highest
 * validation macro-F1, ties by accuracy, then the earlier epoch.
 */

/** A run as the tests describe it. */
export interface SeedRun {
  experimentId: string;
  hyperparameters: Hyperparameters;
  status: RunStatus;
  mlBackend?: string | null;
  error?: string | null;
  tags?: string[];
  note?: string;
  sweepId?: string | null;
  createdAt: Date;
  startedAt?: Date | null;
  finishedAt?: Date | null;
  epochs: EpochRecord[];
}

/** Seeded pseudo-random numbers (mulberry32), so generated runs are the same every time. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The best epoch of a series by the training loop's rule, or null for none. */
export function bestEpochOf(epochs: readonly EpochRecord[]): EpochRecord | null {
  return epochs.reduce<EpochRecord | null>((best, e) => {
    if (!best) return e;
    if (e.valMacroF1 > best.valMacroF1) return e;
    if (e.valMacroF1 === best.valMacroF1 && e.valAccuracy > best.valAccuracy) return e;
    return best;
  }, null);
}

/**
 * Plausible epochs over `labels`: validation counts per class with `support` images each, a
 * confusion matrix whose diagonal share grows with the epoch, per-class P/R/F1 computed from it.
 */
export function generatedEpochs(
  random: () => number,
  labels: readonly string[],
  count: number,
  support = 6,
): EpochRecord[] {
  const epochs: EpochRecord[] = [];
  const skill = 0.2 + random() * 0.6;
  for (let epoch = 1; epoch <= count; epoch++) {
    const progress = skill * (1 - Math.exp(-epoch / 3));
    const counts = labels.map((_, actual) => {
      const row = labels.map(() => 0);
      for (let i = 0; i < support; i++) {
        const isRight = random() < progress;
        const predicted = isRight ? actual : Math.floor(random() * labels.length);
        row[predicted]++;
      }
      return row;
    });
    const perClass = labels.map((label, c) => {
      const tp = counts[c][c];
      const predicted = counts.reduce((sum, row) => sum + row[c], 0);
      const precision = predicted === 0 ? 0 : tp / predicted;
      const recall = tp / support;
      const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
      return { label, precision, recall, f1, support };
    });
    const correct = counts.reduce((sum, row, i) => sum + row[i], 0);
    const valAccuracy = correct / (support * labels.length);
    epochs.push({
      epoch,
      loss: 2.5 * Math.exp(-epoch / 4) + random() * 0.1,
      trainAccuracy: Math.min(1, valAccuracy + random() * 0.1),
      valAccuracy,
      testAccuracy: random() < 0.8 ? valAccuracy - random() * 0.05 : null,
      valMacroF1: perClass.reduce((sum, m) => sum + m.f1, 0) / labels.length,
      majorityBaselineAccuracy: 1 / labels.length,
      durationMs: 1000 + Math.floor(random() * 500),
      perClass,
      confusionMatrix: { labels: [...labels], counts },
    });
  }
  return epochs;
}

/** Writes the runs with their epochs and best checkpoints; returns their ids in order. */
export async function seedRuns(prisma: PrismaClient, runs: readonly SeedRun[]): Promise<string[]> {
  const rows = await prisma.run.createManyAndReturn({
    data: runs.map((run) => {
      const h = run.hyperparameters;
      const best = bestEpochOf(run.epochs);
      return {
        experimentId: run.experimentId,
        sweepId: run.sweepId ?? null,
        status: run.status,
        hyperparameters: JSON.parse(JSON.stringify(h)),
        epochsPlanned: h.epochs,
        architecture: h.architecture,
        pretrained: h.pretrained,
        optimizer: h.optimizer,
        learningRate: h.learningRate,
        batchSize: h.batchSize,
        imageSize: h.imageSize,
        lossWeighting: h.lossWeighting,
        seed: h.seed,
        mlBackend: run.mlBackend ?? null,
        error: run.error ?? null,
        tags: run.tags ?? [],
        note: run.note ?? "",
        createdAt: run.createdAt,
        startedAt: run.startedAt ?? null,
        finishedAt: run.finishedAt ?? null,
        bestEpoch: best?.epoch ?? null,
        bestValMacroF1: best?.valMacroF1 ?? null,
        bestValAccuracy: best?.valAccuracy ?? null,
      };
    }),
    select: { id: true, seed: true, createdAt: true },
  });
  // RETURNING follows the VALUES order; checked, since every id below is matched by position.
  rows.forEach((row, i) => {
    if (
      row.seed !== runs[i].hyperparameters.seed ||
      row.createdAt.getTime() !== runs[i].createdAt.getTime()
    ) {
      throw new Error("seedRuns: the inserted rows came back in another order");
    }
  });
  const ids = rows.map((r) => r.id);
  const epochRows = runs.flatMap((run, i) =>
    run.epochs.map((e) => ({
      runId: ids[i],
      ...e,
      perClass: JSON.parse(JSON.stringify(e.perClass)),
      confusionMatrix: JSON.parse(JSON.stringify(e.confusionMatrix)),
    })),
  );
  for (let start = 0; start < epochRows.length; start += 1000) {
    await prisma.epochMetric.createMany({ data: epochRows.slice(start, start + 1000) });
  }
  const checkpoints = runs.flatMap((run, i) => {
    const best = bestEpochOf(run.epochs);
    return best
      ? [
          {
            runId: ids[i],
            epoch: best.epoch,
            path: `/nonexistent/${ids[i]}/epoch-${best.epoch}`,
            bytes: BigInt(1000 + i),
            sha256: "0".repeat(64),
            metrics: {},
          },
        ]
      : [];
  });
  if (checkpoints.length) await prisma.checkpoint.createMany({ data: checkpoints });
  return ids;
}

import pg from "pg";

/**
 * Seeds the registry's tables for bench:registry straight in SQL (fast enough for 10,000 runs ×
 * 50 epochs): runs with varied hyperparameters over a few experiments on one 33-class dataset,
 * 50 epochs each with per-class metrics and a 33×33 confusion matrix (drawn from 64 generated
 * variants, so each row has a realistic size), best-epoch pointers and checkpoint rows as training
 * leaves them, then ANALYZE.
 */

export const CLASS_COUNT = 33;
export const EPOCHS_PER_RUN = 50;
const TEMPLATES = 64;
const SUPPORT = 30;

/** Seeded numbers for the templates (mulberry32). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const LABELS = Array.from({ length: CLASS_COUNT }, (_, i) =>
  i === CLASS_COUNT - 1 ? "no-logo" : `brand-${i}`,
);

/** One variant of an epoch's per-class metrics and confusion matrix, computed from its counts. */
function template(random: () => number): { perClass: unknown[]; confusionMatrix: unknown } {
  const skill = 0.2 + random() * 0.7;
  const counts = LABELS.map((_, actual) => {
    const row = LABELS.map(() => 0);
    for (let i = 0; i < SUPPORT; i++) row[random() < skill ? actual : Math.floor(random() * CLASS_COUNT)]++;
    return row;
  });
  const perClass = LABELS.map((label, c) => {
    const predicted = counts.reduce((sum, row) => sum + row[c], 0);
    const precision = predicted ? counts[c][c] / predicted : 0;
    const recall = counts[c][c] / SUPPORT;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support: SUPPORT };
  });
  return { perClass, confusionMatrix: { labels: LABELS, counts } };
}

/** The dataset and experiments the runs belong to; returns their ids. */
export async function seedDataset(
  client: pg.Client,
): Promise<{ datasetId: string; experimentIds: string[] }> {
  const perSplit = (n: number) => Object.fromEntries(LABELS.map((l) => [l, l === "no-logo" ? n * 10 : n]));
  const classCounts = { train: perSplit(10), val: perSplit(30), test: perSplit(30) };
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO datasets (id, name, version, format, root_path, content_hash, classes, split_counts, manifest, status, updated_at)
     VALUES (gen_random_uuid(), 'bench-33', 1, 'IMAGE_FOLDER', '/nonexistent/bench-33', $1, $2, $3, $4, 'READY', now())
     RETURNING id`,
    ["b".repeat(64), LABELS, JSON.stringify({ train: 0, val: 0, test: 0 }), JSON.stringify({ classCounts })],
  );
  const datasetId = rows[0].id;
  const experimentIds: string[] = [];
  for (const name of ["cnn-vs-pretrained", "loss-weighting", "augmentations", "learning-rates"]) {
    const experiment = await client.query<{ id: string }>(
      `INSERT INTO experiments (id, name, tags, dataset_id, updated_at) VALUES (gen_random_uuid(), $1, $2, $3, now()) RETURNING id`,
      [name, ["bench"], datasetId],
    );
    experimentIds.push(experiment.rows[0].id);
  }
  await client.query(
    `CREATE TABLE IF NOT EXISTS bench_epoch_templates (n int PRIMARY KEY, per_class jsonb, confusion_matrix jsonb)`,
  );
  const random = seededRandom(33);
  for (let n = 0; n < TEMPLATES; n++) {
    const { perClass, confusionMatrix } = template(random);
    await client.query(`INSERT INTO bench_epoch_templates VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
      n,
      JSON.stringify(perClass),
      JSON.stringify(confusionMatrix),
    ]);
  }
  return { datasetId, experimentIds };
}

/**
 * Adds runs `from … to-1` (run number i decides its hyperparameters), 50 epochs each, in batches
 * of 500 runs, then their best epochs and checkpoints.
 */
export async function seedRuns(
  client: pg.Client,
  experimentIds: string[],
  from: number,
  to: number,
): Promise<void> {
  for (let start = from; start < to; start += 500) {
    const end = Math.min(to, start + 500);
    await client.query("BEGIN");
    await client.query(
      `WITH numbered AS (
         SELECT i,
                (ARRAY['ALEXNET_LITE','RESNET18_V2','MOBILENET_V2'])[1 + i % 3] AS architecture,
                (ARRAY[0.1, 0.03, 0.01, 0.003, 0.001])[1 + (i / 3) % 5] AS learning_rate,
                (ARRAY['NONE','INVERSE_FREQUENCY','EFFECTIVE_NUMBER'])[1 + (i / 15) % 3] AS loss_weighting,
                (ARRAY['SGD','MOMENTUM','ADAM'])[1 + (i / 45) % 3] AS optimizer,
                (ARRAY[32, 40, 64])[1 + (i / 7) % 3] AS batch_size,
                (ARRAY[96, 128, 160])[1 + (i / 11) % 3] AS image_size,
                (ARRAY['SUCCEEDED','SUCCEEDED','SUCCEEDED','SUCCEEDED','SUCCEEDED','SUCCEEDED','FAILED','CANCELLED'])[1 + i % 8] AS status
         FROM generate_series($1::int, $2::int - 1) AS i
       )
       INSERT INTO runs (id, experiment_id, status, hyperparameters, architecture, pretrained, optimizer, learning_rate,
                         batch_size, image_size, epochs_planned, loss_weighting, seed, ml_backend, tags, note,
                         created_at, started_at, finished_at, updated_at)
       SELECT gen_random_uuid(), ($3::uuid[])[1 + i % cardinality($3::uuid[])], status::"RunStatus",
              jsonb_build_object('architecture', architecture, 'pretrained', architecture = 'MOBILENET_V2',
                'trainableLayers', CASE WHEN architecture = 'MOBILENET_V2' THEN 'HEAD' ELSE 'ALL' END,
                'imageSize', image_size, 'batchSize', batch_size, 'epochs', ${EPOCHS_PER_RUN}, 'optimizer', optimizer,
                'learningRate', learning_rate, 'weightDecay', 0.001, 'augmentations', '["HORIZONTAL_FLIP","RANDOM_CROP"]'::jsonb,
                'lossWeighting', loss_weighting, 'effectiveNumberBeta', 0.999, 'seed', i),
              architecture::"Architecture", architecture = 'MOBILENET_V2', optimizer::"Optimizer", learning_rate,
              batch_size, image_size, ${EPOCHS_PER_RUN}, loss_weighting::"LossWeighting", i, 'wasm',
              CASE WHEN i % 10 = 0 THEN ARRAY['promising'] ELSE ARRAY[]::text[] END, '',
              timestamptz '2026-01-01' + i * interval '1 minute', timestamptz '2026-01-01' + i * interval '1 minute',
              timestamptz '2026-01-01' + (i + 50) * interval '1 minute', now()
       FROM numbered`,
      [start, end, experimentIds],
    );
    await client.query(
      `INSERT INTO epoch_metrics (id, run_id, epoch, loss, train_accuracy, val_accuracy, test_accuracy, val_macro_f1,
                                  majority_baseline_accuracy, duration_ms, per_class, confusion_matrix, created_at)
       SELECT gen_random_uuid(), r.id, e,
              2.5 * exp(-e / 15.0) + random() * 0.05,
              least(1, skill * (1 - exp(-e / 8.0)) + 0.1),
              skill * (1 - exp(-e / 10.0)) + random() * 0.02,
              skill * (1 - exp(-e / 10.0)) - random() * 0.02,
              skill * 0.9 * (1 - exp(-e / 10.0)) + random() * 0.03,
              0.233, 40000 + (random() * 5000)::int,
              t.per_class, t.confusion_matrix, r.created_at + e * interval '1 second'
       FROM (SELECT id, created_at, seed, 0.2 + (abs(hashtext(id::text)) % 700) / 1000.0 AS skill
             FROM runs WHERE seed >= $1 AND seed < $2) r
       CROSS JOIN generate_series(1, ${EPOCHS_PER_RUN}) AS e
       JOIN bench_epoch_templates t ON t.n = (r.seed * 7 + e) % ${TEMPLATES}`,
      [start, end],
    );
    await client.query(
      `UPDATE runs r SET best_epoch = b.epoch, best_val_macro_f1 = b.val_macro_f1, best_val_accuracy = b.val_accuracy
       FROM (SELECT DISTINCT ON (em.run_id) em.run_id, em.epoch, em.val_macro_f1, em.val_accuracy
             FROM epoch_metrics em JOIN runs x ON x.id = em.run_id
             WHERE x.seed >= $1 AND x.seed < $2
             ORDER BY em.run_id, em.val_macro_f1 DESC, em.val_accuracy DESC, em.epoch) b
       WHERE b.run_id = r.id`,
      [start, end],
    );
    await client.query(
      `INSERT INTO checkpoints (id, run_id, epoch, path, bytes, sha256, metrics)
       SELECT gen_random_uuid(), id, best_epoch, '/nonexistent/' || id, 15000000, repeat('0', 64), '{}'
       FROM runs WHERE seed >= $1 AND seed < $2 AND best_epoch IS NOT NULL`,
      [start, end],
    );
    await client.query("COMMIT");
  }
  await client.query("ANALYZE");
}

/** A finished evaluation (on the test split) for each of `runIds`, with 33-class details. */
export async function seedEvaluations(client: pg.Client, datasetId: string, runIds: string[]): Promise<void> {
  await client.query(
    `INSERT INTO evaluations (id, run_id, checkpoint_id, dataset_id, split, model_reference, status, image_count,
                              accuracy, macro_f1, majority_baseline_accuracy, per_class, confusion_matrix,
                              duration_ms, finished_at, updated_at)
     SELECT gen_random_uuid(), c.run_id, c.id, $1, 'TEST', c.run_id::text, 'SUCCEEDED', 1950,
            0.5 + random() * 0.3, 0.4 + random() * 0.3, 0.233, t.per_class, t.confusion_matrix, 60000, now(), now()
     FROM checkpoints c JOIN runs r ON r.id = c.run_id AND r.best_epoch = c.epoch
     JOIN bench_epoch_templates t ON t.n = r.seed % ${TEMPLATES}
     WHERE c.run_id = ANY($2::uuid[])`,
    [datasetId, runIds],
  );
}

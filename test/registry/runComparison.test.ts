import type { EpochRecord } from "../../src/experiments/runLifecycle";
import { withDefaults } from "../../src/ml/hyperparameters";
import { bestEpochOf, generatedEpochs, seededRandom, seedRuns, type SeedRun } from "../support/registrySeed";
import { startTestServer, type TestServer } from "../support/testServer";

/**
 * compareRuns, leaderboards and the SQL statements per request, on runs seeded straight into the
 * registry; expected values are computed here from the seeded epochs.
 */

let server: TestServer;
const LABELS = ["adidas", "apple", "bmw", "no-logo"];
const OTHER_LABELS = ["apple", "no-logo", "shell"];
let datasetId: string;
let otherDatasetId: string;
let experimentIds: string[];
const runs: { id: string; seed: SeedRun }[] = [];

const CLASS_COUNTS = {
  train: { adidas: 5, apple: 5, bmw: 4, "no-logo": 30 },
  val: { adidas: 6, apple: 6, bmw: 6, "no-logo": 6 },
  test: { adidas: 3, apple: 3, bmw: 3, "no-logo": 9 },
};

beforeAll(async () => {
  server = await startTestServer({}, { countStatements: true });
  const { registry } = server;
  const dataset = await registry.datasets.register({
    name: "compare",
    format: "IMAGE_FOLDER",
    status: "READY",
    rootPath: "/tmp/compare",
    classes: LABELS,
    summary: { classCounts: CLASS_COUNTS },
  });
  const other = await registry.datasets.register({
    name: "other",
    format: "IMAGE_FOLDER",
    status: "READY",
    rootPath: "/tmp/other",
    classes: OTHER_LABELS,
  });
  datasetId = dataset.id;
  otherDatasetId = other.id;
  experimentIds = [
    (await registry.experiments.create({ name: "first", datasetId })).id,
    (await registry.experiments.create({ name: "second", datasetId })).id,
    (await registry.experiments.create({ name: "elsewhere", datasetId: otherDatasetId })).id,
  ];
  const random = seededRandom(3);
  const seeds: SeedRun[] = [];
  for (let i = 0; i < 120; i++) {
    const experimentIndex = i < 50 ? 0 : i < 100 ? 1 : 2;
    const labels = experimentIndex === 2 ? OTHER_LABELS : LABELS;
    const epochs =
      i === 7
        ? seeds[6].epochs
        : i % 13 === 12
          ? []
          : generatedEpochs(random, labels, 3 + Math.floor(random() * 10));
    seeds.push({
      experimentId: experimentIds[experimentIndex],
      hyperparameters: withDefaults({
        learningRate: [0.1, 0.01, 0.001][i % 3],
        lossWeighting: i % 2 ? "INVERSE_FREQUENCY" : "NONE",
        seed: i,
      }),
      status: epochs.length ? "SUCCEEDED" : "QUEUED",
      createdAt: new Date(Date.UTC(2026, 11, 1, 0, i)),
      epochs,
    });
  }
  const ids = await seedRuns(server.db.database.prisma, seeds);
  ids.forEach((id, i) => runs.push({ id, seed: seeds[i] }));
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

const COMPARE = `query($ids: [ID!]!, $samples: Int, $referenceId: ID, $metrics: [EpochMetricName!]) {
  compareRuns(ids: $ids, samples: $samples, referenceId: $referenceId, metrics: $metrics) {
    runs { id }
    referenceRunId
    bestRunId
    differences { name values }
    shared { name value }
    buckets { from to }
    series { runId metric points { from to count min minEpoch max maxEpoch mean last lastEpoch } }
    bestEpochs { runId epoch { epoch valMacroF1 confusionMatrix { labels counts } } }
    perClass { label runs { runId metrics { label precision recall f1 support } precisionDifference recallDifference f1Difference } }
    confusionMatrices { runId epoch matrix { labels counts } }
    confusionDifferences { runId referenceRunId matrix { labels counts } }
    evaluations { datasetId dataset { name } split runs { runId evaluation { id accuracy } accuracyDifference macroF1Difference } }
  }
}`;

type Comparison = {
  runs: { id: string }[];
  referenceRunId: string;
  bestRunId: string | null;
  differences: { name: string; values: string[] }[];
  shared: { name: string; value: string }[];
  buckets: { from: number; to: number }[];
  series: { runId: string; metric: string; points: Record<string, number>[] }[];
  bestEpochs: { runId: string; epoch: { epoch: number; valMacroF1: number } | null }[];
  perClass: {
    label: string;
    runs: {
      runId: string;
      metrics: Record<string, number> | null;
      f1Difference: number | null;
      precisionDifference: number | null;
    }[];
  }[];
  confusionMatrices: { runId: string; epoch: number; matrix: { labels: string[]; counts: number[][] } }[];
  confusionDifferences: {
    runId: string;
    referenceRunId: string;
    matrix: { labels: string[]; counts: number[][] };
  }[];
  evaluations: {
    datasetId: string;
    dataset: { name: string };
    split: string;
    runs: {
      runId: string;
      evaluation: { id: string; accuracy: number } | null;
      accuracyDifference: number | null;
    }[];
  }[];
};

async function compare(variables: Record<string, unknown>): Promise<Comparison> {
  const res = await server.gql<{ compareRuns: Comparison }>(COMPARE, variables, server.keys.viewer);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.compareRuns;
}

/** The test's own bucketing: `samples` near-equal runs of consecutive epochs over 1…last. */
function expectedPoints(
  epochs: EpochRecord[],
  last: number,
  samples: number,
  value: (e: EpochRecord) => number | null,
) {
  const count = Math.min(last, samples);
  const points = [];
  for (let b = 0; b < count; b++) {
    const from = Math.floor((b * last) / count) + 1;
    const to = Math.floor(((b + 1) * last) / count);
    const inside = epochs.filter((e) => e.epoch >= from && e.epoch <= to && value(e) !== null);
    if (!inside.length) continue;
    const values = inside.map((e) => value(e)!);
    const min = Math.min(...values);
    const max = Math.max(...values);
    points.push({
      from,
      to,
      count: inside.length,
      min,
      minEpoch: inside[values.indexOf(min)].epoch,
      max,
      maxEpoch: inside[values.indexOf(max)].epoch,
      mean: values.reduce((a, v) => a + v, 0) / values.length,
      last: values[values.length - 1],
      lastEpoch: inside[inside.length - 1].epoch,
    });
  }
  return points;
}

describe("compareRuns", () => {
  it("aligns every run's series on shared epoch buckets that keep each bucket's min and max", async () => {
    const picked = [runs[0], runs[1], runs[2]];
    const result = await compare({
      ids: picked.map((r) => r.id),
      samples: 4,
      metrics: ["LOSS", "VAL_MACRO_F1", "TEST_ACCURACY"],
    });
    const last = Math.max(...picked.flatMap((r) => r.seed.epochs.map((e) => e.epoch)));
    expect(result.buckets).toHaveLength(Math.min(4, last));
    expect(result.buckets[result.buckets.length - 1].to).toBe(last);
    expect(result.series.map((s) => [s.runId, s.metric])).toEqual(
      picked.flatMap((r) => ["LOSS", "VAL_MACRO_F1", "TEST_ACCURACY"].map((m) => [r.id, m])),
    );
    for (const series of result.series) {
      const { epochs } = picked.find((r) => r.id === series.runId)!.seed;
      const value = (e: EpochRecord) =>
        series.metric === "LOSS" ? e.loss : series.metric === "VAL_MACRO_F1" ? e.valMacroF1 : e.testAccuracy;
      const expected = expectedPoints(epochs, last, 4, value);
      expect(series.points.length).toBe(expected.length);
      series.points.forEach((point, i) => {
        expect(point).toMatchObject({ ...expected[i], mean: expect.any(Number) });
        expect(point.mean).toBeCloseTo(expected[i].mean, 12);
      });
    }
  });

  it("lists shared and differing hyperparameters, best epochs, and the best run", async () => {
    const picked = [runs[0], runs[1], runs[3]];
    const result = await compare({ ids: [...picked.map((r) => r.id), picked[0].id] });
    expect(result.runs.map((r) => r.id)).toEqual(picked.map((r) => r.id));
    expect(result.differences).toEqual([
      { name: "learningRate", values: ["0.1", "0.01", "0.1"] },
      { name: "lossWeighting", values: ['"NONE"', '"INVERSE_FREQUENCY"', '"INVERSE_FREQUENCY"'] },
      { name: "seed", values: ["0", "1", "3"] },
    ]);
    expect(result.shared.map((s) => s.name)).toContain("architecture");
    const bests = picked.map((r) => bestEpochOf(r.seed.epochs)!);
    expect(result.bestEpochs.map((b) => [b.runId, b.epoch?.epoch, b.epoch?.valMacroF1])).toEqual(
      picked.map((r, i) => [r.id, bests[i].epoch, bests[i].valMacroF1]),
    );
    const winner = picked.reduce((a, b, i) => {
      const [x, y] = [bestEpochOf(a.seed.epochs)!, bests[i]];
      return y.valMacroF1 > x.valMacroF1 || (y.valMacroF1 === x.valMacroF1 && y.valAccuracy > x.valAccuracy)
        ? b
        : a;
    });
    expect(result.bestRunId).toBe(winner.id);
  });

  it("puts per-class metrics side by side with differences from the reference run", async () => {
    const [reference, other] = [runs[4], runs[5]];
    const result = await compare({ ids: [other.id, reference.id], referenceId: reference.id });
    expect(result.referenceRunId).toBe(reference.id);
    const [otherBest, referenceBest] = [bestEpochOf(other.seed.epochs)!, bestEpochOf(reference.seed.epochs)!];
    expect(result.perClass.map((c) => c.label)).toEqual(LABELS);
    for (const row of result.perClass) {
      const mine = otherBest.perClass.find((m) => m.label === row.label)!;
      const theirs = referenceBest.perClass.find((m) => m.label === row.label)!;
      expect(row.runs[0].metrics).toEqual(mine);
      expect(row.runs[0].f1Difference).toBeCloseTo(mine.f1 - theirs.f1, 12);
      expect(row.runs[0].precisionDifference).toBeCloseTo(mine.precision - theirs.precision, 12);
      expect(row.runs[1]).toMatchObject({ runId: reference.id, metrics: theirs, f1Difference: null });
    }
  });

  it("gives each best epoch's confusion matrix and their differences, over the union of labels", async () => {
    const [reference, sameLabels, otherLabels, noEpochs] = [runs[8], runs[9], runs[100], runs[12]];
    expect(noEpochs.seed.epochs).toEqual([]);
    const result = await compare({ ids: [reference, sameLabels, otherLabels, noEpochs].map((r) => r.id) });
    const best = (r: (typeof runs)[number]) => bestEpochOf(r.seed.epochs)!;
    expect(result.confusionMatrices).toEqual(
      [reference, sameLabels, otherLabels].map((r) => ({
        runId: r.id,
        epoch: best(r).epoch,
        matrix: best(r).confusionMatrix,
      })),
    );
    const [same, different] = result.confusionDifferences;
    expect(result.confusionDifferences).toHaveLength(2);
    expect(same.matrix).toEqual({
      labels: LABELS,
      counts: best(sameLabels).confusionMatrix.counts.map((row, i) =>
        row.map((c, j) => c - best(reference).confusionMatrix.counts[i][j]),
      ),
    });
    expect(different.matrix.labels).toEqual([...LABELS, "shell"]);
    const at = (m: { labels: string[]; counts: number[][] }, a: string, p: string) =>
      m.labels.includes(a) && m.labels.includes(p) ? m.counts[m.labels.indexOf(a)][m.labels.indexOf(p)] : 0;
    for (const a of different.matrix.labels) {
      for (const p of different.matrix.labels) {
        expect(at(different.matrix, a, p)).toBe(
          at(best(otherLabels).confusionMatrix, a, p) - at(best(reference).confusionMatrix, a, p),
        );
      }
    }
    expect(result.bestEpochs[3]).toEqual({ runId: noEpochs.id, epoch: null });
    expect(result.perClass.map((c) => c.label)).toEqual([...LABELS, "shell"]);
  });

  it("shows the runs' latest finished evaluations per dataset split, side by side", async () => {
    const { evaluations, runs: runService } = server.registry;
    const [a, b, c] = [runs[20], runs[21], runs[22]];
    const checkpoints = await runService.bestCheckpointsOfRuns([a.id, b.id, c.id]);
    const evaluate = async (
      i: number,
      accuracy: number,
      splitOfIt: "VAL" | "TEST" = "TEST",
      fail = false,
    ) => {
      const evaluation = await evaluations.create({
        runId: [a, b, c][i].id,
        checkpointId: checkpoints[i]!.id,
        datasetId: otherDatasetId,
        split: splitOfIt,
        modelReference: [a, b, c][i].id,
        imageCount: 2,
      });
      if (fail) {
        await evaluations.fail(evaluation.id, "broken");
        return evaluation.id;
      }
      await evaluations.complete(evaluation.id, {
        accuracy,
        macroF1: accuracy / 2,
        majorityBaselineAccuracy: 0.5,
        noLogoThreshold: null,
        recognitionPrecision: null,
        recognitionRecall: null,
        perClass: [],
        confusionMatrix: { labels: ["x"], counts: [[2]] },
        durationMs: 5,
        predictions: [],
      });
      return evaluation.id;
    };
    await evaluate(0, 0.4);
    const latestOfA = await evaluate(0, 0.6);
    const ofB = await evaluate(1, 0.75);
    await evaluate(1, 0.9, "TEST", true);
    const valOfC = await evaluate(2, 0.3, "VAL");
    const result = await compare({ ids: [a.id, b.id, c.id] });
    const groups = result.evaluations.map((g) => [
      g.dataset.name,
      g.split,
      g.runs.map((r) => r.evaluation?.id ?? null),
    ]);
    expect(groups).toEqual([
      ["other", "TEST", [latestOfA, ofB, null]],
      ["other", "VAL", [null, null, valOfC]],
    ]);
    const test = result.evaluations[0].runs;
    expect(test[0].accuracyDifference).toBeNull();
    expect(test[1].accuracyDifference).toBeCloseTo(0.15, 12);
    expect(test[2].accuracyDifference).toBeNull();
  });

  it("compares 100 runs at once and refuses 101, an unknown reference and bad samples", async () => {
    const hundred = runs.slice(0, 100).map((r) => r.id);
    const result = await compare({ ids: hundred, samples: 20 });
    expect(result.runs).toHaveLength(100);
    expect(result.bestEpochs).toHaveLength(100);
    const tooMany = await server.gql(COMPARE, { ids: [...hundred, runs[100].id] }, server.keys.viewer);
    expect(tooMany.errors?.[0]).toMatchObject({
      message: "ids must name 1–100 distinct runs",
      extensions: { code: "BAD_USER_INPUT", field: "ids" },
    });
    const reference = await server.gql(
      COMPARE,
      { ids: [runs[0].id], referenceId: runs[1].id },
      server.keys.viewer,
    );
    expect(reference.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "referenceId" });
    const samples = await server.gql(COMPARE, { ids: [runs[0].id], samples: 0 }, server.keys.viewer);
    expect(samples.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "samples" });
  });
});

describe("leaderboards", () => {
  const BOARD = `query($id: ID!, $metric: EpochMetricName, $first: Int, $after: String) {
    experiment(id: $id) {
      leaderboard(metric: $metric, first: $first, after: $after) {
        metric isHigherBetter baseline split totalCount
        nodes { rank value liftOverBaseline run { id } bestEpoch { epoch } }
        pageInfo { hasNextPage endCursor }
      }
    }
  }`;
  type Board = {
    metric: string;
    isHigherBetter: boolean;
    baseline: number | null;
    split: string | null;
    totalCount: number;
    nodes: {
      rank: number;
      value: number;
      liftOverBaseline: number | null;
      run: { id: string };
      bestEpoch: { epoch: number };
    }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };

  /** Brute-force board: runs with the metric at their best epoch, best first, ties by id, competition ranks. */
  function expectedBoard(
    experimentIndexes: number[],
    value: (e: EpochRecord) => number | null,
    isHigherBetter: boolean,
  ) {
    const rows = runs
      .filter((r) => experimentIndexes.includes(experimentIds.indexOf(r.seed.experimentId)))
      .map((r) => ({ id: r.id, value: bestEpochOf(r.seed.epochs) && value(bestEpochOf(r.seed.epochs)!) }))
      .filter((r): r is { id: string; value: number } => r.value !== null && r.value !== undefined)
      .sort(
        (a, b) =>
          (isHigherBetter ? b.value - a.value : a.value - b.value) ||
          (isHigherBetter ? (a.id < b.id ? 1 : -1) : a.id < b.id ? -1 : 1),
      );
    return rows.map((r) => ({
      ...r,
      rank: 1 + rows.filter((o) => (isHigherBetter ? o.value > r.value : o.value < r.value)).length,
    }));
  }

  async function walk(variables: Record<string, unknown>): Promise<{ first: Board; nodes: Board["nodes"] }> {
    const nodes: Board["nodes"] = [];
    let after: string | null = null;
    let first: Board | undefined;
    do {
      const res: { data?: { experiment: { leaderboard: Board } } | null; errors?: unknown } =
        await server.gql(BOARD, { ...variables, first: 15, after }, server.keys.viewer);
      if (res.errors) throw new Error(JSON.stringify(res.errors));
      const board: Board = res.data!.experiment.leaderboard;
      first ??= board;
      nodes.push(...board.nodes);
      after = board.pageInfo.hasNextPage ? board.pageInfo.endCursor : null;
    } while (after);
    return { first: first!, nodes };
  }

  it("ranks an experiment's runs by best val macro-F1, ties sharing a rank, with the majority baseline beside", async () => {
    const { first, nodes } = await walk({ id: experimentIds[0] });
    const expected = expectedBoard([0], (e) => e.valMacroF1, true);
    expect(nodes.map((n) => ({ id: n.run.id, value: n.value, rank: n.rank }))).toEqual(expected);
    expect(new Set(expected.map((e) => e.rank)).size).toBeLessThan(expected.length);
    // Always "no-logo" (training's majority): val share 6/24, F1 2p/(1+p) on it, averaged over 4 classes.
    const share = 6 / 24;
    expect(first).toMatchObject({
      metric: "VAL_MACRO_F1",
      isHigherBetter: true,
      split: "val",
      totalCount: expected.length,
    });
    expect(first.baseline).toBeCloseTo((2 * share) / (1 + share) / 4, 12);
    for (const node of nodes) expect(node.liftOverBaseline).toBeCloseTo(node.value - first.baseline!, 12);
    const bestEpochs = new Map(runs.map((r) => [r.id, bestEpochOf(r.seed.epochs)?.epoch]));
    for (const node of nodes) expect(node.bestEpoch.epoch).toBe(bestEpochs.get(node.run.id));
  });

  it("ranks by test accuracy against the test split's baseline, and by loss lowest first", async () => {
    const test = await walk({ id: experimentIds[1], metric: "TEST_ACCURACY" });
    expect(test.nodes.map((n) => n.run.id)).toEqual(
      expectedBoard([1], (e) => e.testAccuracy, true).map((e) => e.id),
    );
    expect(test.first.baseline).toBeCloseTo(9 / 18, 12);
    expect(test.first.split).toBe("test");
    const loss = await walk({ id: experimentIds[1], metric: "LOSS" });
    expect(loss.nodes.map((n) => n.run.id)).toEqual(
      expectedBoard([1], (e) => e.loss, false).map((e) => e.id),
    );
    expect(loss.first).toMatchObject({ isHigherBetter: false, baseline: null, split: null });
    expect(loss.nodes[0].liftOverBaseline).toBeNull();
  });

  it("ranks every run on a dataset version across its experiments", async () => {
    const res = await server.gql<{ leaderboard: Board; dataset: { leaderboard: Board } }>(
      `query($ds: ID!) {
        leaderboard(datasetId: $ds, metric: VAL_ACCURACY, first: 100) { totalCount baseline nodes { rank value run { id } } }
        dataset(id: $ds) { leaderboard(metric: VAL_ACCURACY, first: 100) { nodes { run { id } } } }
      }`,
      { ds: datasetId },
      server.keys.viewer,
    );
    const expected = expectedBoard([0, 1], (e) => e.valAccuracy, true);
    expect(res.data!.leaderboard.nodes.map((n) => ({ id: n.run.id, value: n.value, rank: n.rank }))).toEqual(
      expected,
    );
    expect(res.data!.leaderboard.baseline).toBeCloseTo(0.25, 12);
    expect(res.data!.dataset.leaderboard.nodes.map((n) => n.run.id)).toEqual(expected.map((e) => e.id));
    const unknown = await server.gql(
      `{ leaderboard(datasetId: "00000000-0000-7000-8000-000000000000") { totalCount } }`,
      {},
      server.keys.viewer,
    );
    expect(unknown.data).toEqual({ leaderboard: null });
  });
});

describe("SQL statements per request", () => {
  async function statementsOf(query: string, variables: Record<string, unknown>): Promise<number> {
    server.statements.reset();
    const res = await server.gql(query, variables, server.keys.viewer);
    expect(res.errors).toBeUndefined();
    return server.statements.count();
  }

  it("stay constant in the page size for runs with every edge", async () => {
    const query = `query($first: Int) {
      runs(first: $first, query: "best.valMacroF1 > 0", orderBy: BEST_VAL_MACRO_F1_DESC) {
        totalCount
        nodes {
          id tags note
          experiment { name dataset { name } }
          dataset { version }
          sweep { id }
          epochs { epoch loss perClass { f1 } }
          bestEpochMetric { epoch valMacroF1 confusionMatrix { counts } }
          bestCheckpoint { epoch bytes }
          evaluations { id }
        }
      }
    }`;
    const small = await statementsOf(query, { first: 2 });
    const large = await statementsOf(query, { first: 100 });
    expect(large).toBe(small);
    // Auth (key lookup + last-used stamp), page, count, and one per edge.
    expect(small).toBeLessThanOrEqual(13);
  });

  it("stay constant in the number of experiments for experiments with their runs and leaderboards", async () => {
    const query = `query($first: Int) {
      experiments(first: $first) {
        nodes {
          name
          runs(first: 5, orderBy: LEARNING_RATE_ASC) { totalCount nodes { id bestEpochMetric { epoch } experiment { name } } }
        }
      }
    }`;
    expect(await statementsOf(query, { first: 3 })).toBe(await statementsOf(query, { first: 1 }));
  });

  it("stay constant in the number of runs compared", async () => {
    const query = COMPARE;
    // Two runs with evaluations (the evaluations test made them), so both requests select the same edges.
    const two = await statementsOf(query, { ids: [runs[20].id, runs[21].id], samples: 20 });
    const hundred = await statementsOf(query, { ids: runs.slice(0, 100).map((r) => r.id), samples: 20 });
    expect(hundred).toBe(two);
  });
});

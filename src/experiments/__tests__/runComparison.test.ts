import { withDefaults } from "../../ml/hyperparameters";
import type { EpochMetric, Run } from "../runRecords";
import { compareClasses, confusionDifference, summariseComparison } from "../runComparison";

function run(id: string, overrides: Partial<Run>, hyperparameters = withDefaults({})): Run {
  return { id, bestValMacroF1: null, bestValAccuracy: null, hyperparameters, ...overrides } as Run;
}

function epoch(perClass: [string, number, number, number][]): EpochMetric {
  return {
    perClass: perClass.map(([label, precision, recall, f1]) => ({
      label,
      precision,
      recall,
      f1,
      support: 10,
    })),
  } as EpochMetric;
}

describe("summariseComparison", () => {
  it("splits hyperparameters into shared and differing, and picks the best run (ties: accuracy)", () => {
    const runs = [
      run("a", { bestValMacroF1: 0.5, bestValAccuracy: 0.7 }, withDefaults({ learningRate: 0.1 })),
      run("b", { bestValMacroF1: 0.5, bestValAccuracy: 0.8 }, withDefaults({ learningRate: 0.01 })),
      run("c", {}, withDefaults({ learningRate: 0.01 })),
    ];
    const summary = summariseComparison(runs);
    expect(summary.bestRunId).toBe("b");
    expect(summary.differences).toEqual([{ name: "learningRate", values: ["0.1", "0.01", "0.01"] }]);
    expect(summary.shared.map((s) => s.name)).toEqual([
      "architecture",
      "augmentations",
      "batchSize",
      "epochs",
      "imageSize",
      "lossWeighting",
      "optimizer",
      "pretrained",
      "seed",
      "trainableLayers",
      "weightDecay",
    ]);
    expect(summary.shared.find((s) => s.name === "augmentations")?.value).toBe(
      '["HORIZONTAL_FLIP","RANDOM_CROP"]',
    );
  });
});

describe("compareClasses", () => {
  it("puts each class's metrics side by side with differences from the reference", () => {
    const reference = epoch([
      ["adidas", 0.5, 0.4, 0.45],
      ["no-logo", 0.9, 0.95, 0.92],
    ]);
    const other = epoch([
      ["no-logo", 0.8, 0.9, 0.85],
      ["apple", 0.25, 0.5, 0.3],
    ]);
    const rows = compareClasses(["ref", "other", "none"], [reference, other, null], 0);
    expect(rows.map((r) => r.label)).toEqual(["adidas", "no-logo", "apple"]);
    const noLogo = rows[1].runs;
    expect(noLogo[0]).toMatchObject({ runId: "ref", precisionDifference: null, f1Difference: null });
    expect(noLogo[1].precisionDifference).toBeCloseTo(-0.1);
    expect(noLogo[1].recallDifference).toBeCloseTo(-0.05);
    expect(noLogo[1].f1Difference).toBeCloseTo(-0.07);
    expect(noLogo[2]).toEqual({
      runId: "none",
      metrics: null,
      precisionDifference: null,
      recallDifference: null,
      f1Difference: null,
    });
    expect(rows[0].runs[1]).toMatchObject({ metrics: null, f1Difference: null });
    expect(rows[2].runs[0]).toMatchObject({ metrics: null, f1Difference: null });
  });
});

describe("confusionDifference", () => {
  it("subtracts over the union of labels, a missing label counting zero", () => {
    const reference = {
      labels: ["a", "b"],
      counts: [
        [3, 1],
        [2, 4],
      ],
    };
    const run = {
      labels: ["b", "a", "c"],
      counts: [
        [5, 0, 1],
        [1, 2, 0],
        [0, 0, 7],
      ],
    };
    expect(confusionDifference(run, reference)).toEqual({
      labels: ["a", "b", "c"],
      counts: [
        [2 - 3, 1 - 1, 0],
        [0 - 2, 5 - 4, 1],
        [0, 0, 7],
      ],
    });
  });
});

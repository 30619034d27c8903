import { ValidationError } from "../../errors";
import type { SweepSpace } from "../../experiments/sweeps";
import { gridPoints, MAX_SWEEP_RUNS, pointHyperparameters, randomPoints, sweepPoints } from "../sweepSpace";

const space = (values: SweepSpace["values"], ranges: SweepSpace["ranges"] = {}): SweepSpace => ({
  values,
  ranges,
});

function failure(work: () => unknown): { message: string; field: unknown } {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return { message: (error as ValidationError).message, field: (error as ValidationError).details.field };
  }
  throw new Error("no error");
}

describe("GRID", () => {
  it("is every combination, the last dimension varying fastest", () => {
    expect(
      gridPoints(space({ learningRate: [0.1, 0.01], lossWeighting: ["NONE", "INVERSE_FREQUENCY"] })),
    ).toEqual([
      { learningRate: 0.1, lossWeighting: "NONE" },
      { learningRate: 0.1, lossWeighting: "INVERSE_FREQUENCY" },
      { learningRate: 0.01, lossWeighting: "NONE" },
      { learningRate: 0.01, lossWeighting: "INVERSE_FREQUENCY" },
    ]);
  });

  it("expands in a fixed dimension order, lists of augmentations as values", () => {
    const points = sweepPoints(
      space({ augmentations: [[], ["HORIZONTAL_FLIP"]], architecture: ["ALEXNET_LITE", "MOBILENET_V2"] }),
      "GRID",
      null,
      0,
    );
    expect(points).toEqual([
      { architecture: "ALEXNET_LITE", augmentations: [] },
      { architecture: "ALEXNET_LITE", augmentations: ["HORIZONTAL_FLIP"] },
      { architecture: "MOBILENET_V2", augmentations: [] },
      { architecture: "MOBILENET_V2", augmentations: ["HORIZONTAL_FLIP"] },
    ]);
  });

  it("refuses a grid larger than maxRuns, ranges, empty lists and an empty space", () => {
    expect(failure(() => sweepPoints(space({ seed: [1, 2, 3] }), "GRID", 2, 0))).toEqual({
      message: "maxRuns allows 2 runs but the grid has 3 points",
      field: "maxRuns",
    });
    const huge = space({
      seed: Array.from({ length: 40 }, (_, i) => i),
      batchSize: Array.from({ length: 30 }, (_, i) => i + 1),
    });
    expect(failure(() => sweepPoints(huge, "GRID", null, 0)).message).toBe(
      `space allows ${MAX_SWEEP_RUNS} runs but the grid has 1200 points`,
    );
    expect(
      failure(() =>
        sweepPoints(space({}, { learningRate: { min: 0.001, max: 0.1, scale: "LOG" } }), "GRID", null, 0),
      ),
    ).toEqual({
      message: "space.learningRateRange needs strategy RANDOM (a grid lists values)",
      field: "space.learningRateRange",
    });
    expect(failure(() => sweepPoints(space({ seed: [] }), "GRID", null, 0)).field).toBe("space.seed");
    expect(failure(() => sweepPoints(space({}), "GRID", null, 0))).toEqual({
      message: "space must vary at least one hyperparameter",
      field: "space",
    });
    expect(failure(() => sweepPoints(space({ seed: [1] }), "GRID", 0, 0)).field).toBe("maxRuns");
  });
});

describe("RANDOM", () => {
  const mixed = space(
    { lossWeighting: ["NONE", "INVERSE_FREQUENCY", "EFFECTIVE_NUMBER"] },
    {
      learningRate: { min: 1e-4, max: 1e-1, scale: "LOG" },
      weightDecay: { min: 0, max: 0.01, scale: "LINEAR" },
    },
  );

  it("draws maxRuns distinct points within the lists and ranges, the same for the same seed", () => {
    const points = sweepPoints(mixed, "RANDOM", 25, 7);
    expect(points).toHaveLength(25);
    expect(new Set(points.map((p) => JSON.stringify(p))).size).toBe(25);
    for (const p of points) {
      expect(["NONE", "INVERSE_FREQUENCY", "EFFECTIVE_NUMBER"]).toContain(p.lossWeighting);
      expect(p.learningRate).toBeGreaterThanOrEqual(1e-4);
      expect(p.learningRate).toBeLessThanOrEqual(1e-1);
      expect(p.weightDecay).toBeGreaterThanOrEqual(0);
      expect(p.weightDecay).toBeLessThanOrEqual(0.01);
    }
    expect(sweepPoints(mixed, "RANDOM", 25, 7)).toEqual(points);
    expect(sweepPoints(mixed, "RANDOM", 25, 8)).not.toEqual(points);
  });

  it("spreads a LOG range over its decades", () => {
    const rates = randomPoints(space({}, { learningRate: { min: 1e-4, max: 1, scale: "LOG" } }), 400, 1).map(
      (p) => p.learningRate!,
    );
    const decades = [1e-4, 1e-3, 1e-2, 1e-1].map(
      (low) => rates.filter((r) => r >= low && r < low * 10).length,
    );
    for (const count of decades) expect(count).toBeGreaterThan(60);
  });

  it("gives fewer points when a finite space has fewer, and needs maxRuns", () => {
    expect(sweepPoints(space({ seed: [1, 2, 3] }), "RANDOM", 10, 0)).toHaveLength(3);
    expect(failure(() => sweepPoints(space({ seed: [1] }), "RANDOM", null, 0))).toEqual({
      message: "maxRuns is required for a RANDOM sweep",
      field: "maxRuns",
    });
    expect(
      failure(() =>
        sweepPoints(space({}, { learningRate: { min: 0, max: 1, scale: "LOG" } }), "RANDOM", 3, 0),
      ).field,
    ).toBe("space.learningRateRange");
    expect(
      failure(() =>
        sweepPoints(
          space({ learningRate: [0.1] }, { learningRate: { min: 0.1, max: 1, scale: "LINEAR" } }),
          "RANDOM",
          3,
          0,
        ),
      ).message,
    ).toBe("space.learningRateRange and space.learningRate cannot both be given");
  });
});

describe("pointHyperparameters", () => {
  it("gives MOBILENET_V2 points a pretrained, head-only setup unless the sweep chose them", () => {
    const s = space({ architecture: ["ALEXNET_LITE", "MOBILENET_V2"] });
    expect(pointHyperparameters({ epochs: 2 }, { architecture: "MOBILENET_V2" }, s)).toEqual({
      epochs: 2,
      architecture: "MOBILENET_V2",
      pretrained: true,
      trainableLayers: "HEAD",
    });
    expect(pointHyperparameters({}, { architecture: "ALEXNET_LITE" }, s)).toEqual({
      architecture: "ALEXNET_LITE",
    });
    expect(pointHyperparameters({ trainableLayers: "ALL" }, { architecture: "MOBILENET_V2" }, s)).toEqual({
      architecture: "MOBILENET_V2",
      pretrained: true,
      trainableLayers: "ALL",
    });
  });
});

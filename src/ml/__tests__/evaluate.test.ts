import { confusionMatrix } from "../confusionMatrix";
import {
  accuracy,
  classificationReport,
  decide,
  macroF1,
  majorityBaselineAccuracy,
  majorityClass,
  perClassMetrics,
  recognitionScores,
} from "../evaluate";

const LABELS = ["adidas", "nike", "no-logo"];
// actual:    a a a n n x x x x
// predicted: a a n n x x x x a
const ACTUAL = [0, 0, 0, 1, 1, 2, 2, 2, 2];
const PREDICTED = [0, 0, 1, 1, 2, 2, 2, 2, 0];

describe("confusionMatrix", () => {
  it("counts actual classes in rows and predicted classes in columns", () => {
    expect(confusionMatrix(LABELS, ACTUAL, PREDICTED)).toEqual({
      labels: LABELS,
      counts: [
        [2, 1, 0],
        [0, 1, 1],
        [1, 0, 3],
      ],
    });
  });

  it("rejects mismatched lengths and out-of-range classes", () => {
    expect(() => confusionMatrix(LABELS, [0], [0, 1])).toThrow("actual has 1 entries but predicted has 2");
    expect(() => confusionMatrix(LABELS, [3], [0])).toThrow(
      "class index out of range at 0: actual 3, predicted 0 (3 classes)",
    );
  });
});

describe("classification metrics", () => {
  const matrix = confusionMatrix(LABELS, ACTUAL, PREDICTED);

  it("computes accuracy as the diagonal share", () => {
    expect(accuracy(matrix)).toBeCloseTo(6 / 9, 12);
  });

  it("computes per-class precision, recall, F1 and support", () => {
    const metrics = perClassMetrics(matrix);
    expect(metrics.map((m) => m.label)).toEqual(LABELS);
    expect(metrics.map((m) => m.support)).toEqual([3, 2, 4]);
    expect(metrics[0].precision).toBeCloseTo(2 / 3, 12);
    expect(metrics[0].recall).toBeCloseTo(2 / 3, 12);
    expect(metrics[1].precision).toBeCloseTo(1 / 2, 12);
    expect(metrics[1].recall).toBeCloseTo(1 / 2, 12);
    expect(metrics[2].precision).toBeCloseTo(3 / 4, 12);
    expect(metrics[2].f1).toBeCloseTo(3 / 4, 12);
  });

  it("averages F1 over classes that occur, ignoring a class never seen nor predicted", () => {
    expect(macroF1(matrix)).toBeCloseTo((2 / 3 + 1 / 2 + 3 / 4) / 3, 12);
    const withUnusedClass = confusionMatrix([...LABELS, "puma"], ACTUAL, PREDICTED);
    expect(macroF1(withUnusedClass)).toBeCloseTo(macroF1(matrix), 12);
  });

  it("reports zero (not NaN) precision for a class that is never predicted", () => {
    const report = classificationReport(["a", "b"], [0, 1], [0, 0]);
    expect(report.perClass[1]).toEqual({ label: "b", precision: 0, recall: 0, f1: 0, support: 1 });
    expect(report.accuracy).toBe(0.5);
    expect(report.macroF1).toBeCloseTo(((2 * 0.5 * 1) / 1.5 + 0) / 2, 12);
  });
});

describe("majority baseline", () => {
  it("predicts the most frequent training class, lowest index on ties", () => {
    expect(majorityClass([1, 2, 2, 1])).toBe(1);
    expect(majorityClass([0, 2, 2])).toBe(2);
    expect(majorityBaselineAccuracy([0, 2, 2], [2, 2, 0, 1])).toBe(0.5);
  });
});

describe("FlickrLogos-32 recognition protocol", () => {
  it("scores precision over predicted logos, recall over logo images and overall accuracy", () => {
    // Logo images: 5 (indices 0–4), 3 correct; predicted as a logo: 0,1,2,3,8 = 5.
    expect(recognitionScores(ACTUAL, PREDICTED, 2)).toEqual({
      precision: 3 / 5,
      recall: 3 / 5,
      accuracy: 6 / 9,
    });
  });

  it("turns uncertain images into no-logo with a threshold on the no-logo probability", () => {
    const probabilities = [0.5, 0.1, 0.4, 0.2, 0.35, 0.45, 0.3, 0.3, 0.4];
    expect(Array.from(decide(probabilities, 3))).toEqual([0, 2, 2]);
    expect(Array.from(decide(probabilities, 3, 2, 0.5))).toEqual([0, 1, 0]);
    expect(Array.from(decide(probabilities, 3, 2, 0.42))).toEqual([0, 2, 0]);
  });
});

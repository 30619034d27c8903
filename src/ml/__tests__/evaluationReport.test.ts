import { evaluationReport, type ImagePrediction } from "../evaluationReport";

/** Brute force: every number recomputed from the list of predictions, no confusion matrix. */
function bruteForce(labels: string[], scoredClasses: string[], predictions: ImagePrediction[]) {
  const f1Of = (label: string) => {
    const tp = predictions.filter((p) => p.truth === label && p.predicted === label).length;
    const predictedCount = predictions.filter((p) => p.predicted === label).length;
    const support = predictions.filter((p) => p.truth === label).length;
    const precision = predictedCount === 0 ? 0 : tp / predictedCount;
    const recall = support === 0 ? 0 : tp / support;
    return {
      precision,
      recall,
      f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall),
      support,
    };
  };
  const logoImages = predictions.filter((p) => p.truth !== "no-logo");
  const predictedLogos = predictions.filter((p) => p.predicted !== "no-logo");
  const correctLogos = logoImages.filter((p) => p.predicted === p.truth).length;
  const counts = scoredClasses.map((c) => predictions.filter((p) => p.truth === c).length);
  return {
    accuracy: predictions.filter((p) => p.truth === p.predicted).length / predictions.length,
    perClass: labels.map((label) => ({ label, ...f1Of(label) })),
    macroF1:
      scoredClasses.filter((c) => f1Of(c).support > 0).reduce((s, c) => s + f1Of(c).f1, 0) /
      scoredClasses.filter((c) => f1Of(c).support > 0).length,
    majority: Math.max(...counts) / predictions.length,
    precision: correctLogos / predictedLogos.length,
    recall: correctLogos / logoImages.length,
  };
}

describe("evaluationReport", () => {
  // A model of 4 labels on a dataset of 3 classes, one of which ("nike") the model does not know.
  const modelLabels = ["adidas", "aldi", "apple", "no-logo"];
  const datasetClasses = ["adidas", "nike", "no-logo"];
  const predictions: ImagePrediction[] = [
    { truth: "adidas", predicted: "adidas" },
    { truth: "adidas", predicted: "aldi" },
    { truth: "adidas", predicted: "no-logo" },
    { truth: "nike", predicted: "adidas" },
    { truth: "nike", predicted: "no-logo" },
    { truth: "no-logo", predicted: "no-logo" },
    { truth: "no-logo", predicted: "no-logo" },
    { truth: "no-logo", predicted: "apple" },
    { truth: "no-logo", predicted: "no-logo" },
  ];
  const report = evaluationReport(modelLabels, datasetClasses, predictions);
  const expected = bruteForce(report.labels, datasetClasses, predictions);

  it("puts the model's labels first, then the dataset's classes it does not know", () => {
    expect(report.labels).toEqual(["adidas", "aldi", "apple", "no-logo", "nike"]);
    expect(report.confusionMatrix.counts[4]).toEqual([1, 0, 0, 1, 0]);
  });

  it("equals a brute-force recomputation of every score", () => {
    expect(report.accuracy).toBeCloseTo(expected.accuracy, 12);
    expect(report.macroF1).toBeCloseTo(expected.macroF1, 12);
    expect(report.majorityBaselineAccuracy).toBeCloseTo(expected.majority, 12);
    expect(report.recognition!.precision).toBeCloseTo(expected.precision, 12);
    expect(report.recognition!.recall).toBeCloseTo(expected.recall, 12);
    report.perClass.forEach((metrics, i) => {
      expect(metrics.label).toBe(expected.perClass[i].label);
      expect(metrics.precision).toBeCloseTo(expected.perClass[i].precision, 12);
      expect(metrics.recall).toBeCloseTo(expected.perClass[i].recall, 12);
      expect(metrics.f1).toBeCloseTo(expected.perClass[i].f1, 12);
      expect(metrics.support).toBe(expected.perClass[i].support);
    });
  });

  it("scores macro-F1 over the split's classes only (labels the split cannot contain do not count)", () => {
    const adidas = report.perClass.find((m) => m.label === "adidas")!.f1;
    const noLogo = report.perClass.find((m) => m.label === "no-logo")!.f1;
    expect(report.macroF1).toBeCloseTo((adidas + 0 + noLogo) / 3, 12);
  });

  it("has no recognition scores without a no-logo class", () => {
    expect(evaluationReport(["a", "b"], ["a", "b"], [{ truth: "a", predicted: "b" }]).recognition).toBeNull();
  });

  it("refuses a label that is neither the model's nor the dataset's", () => {
    expect(() => evaluationReport(["a"], ["a"], [{ truth: "a", predicted: "zzz" }])).toThrow('label "zzz"');
  });
});

import { classificationReport, decide } from "../../evaluate";
import { chooseThresholdForMacroF1, decodeBox, imageScores, intersectionOverUnion } from "../imageDecision";

describe("image decision and box decoding", () => {
  it("scores each brand by its most confident cell and no-logo as 1 − the best brand", () => {
    // 3 cells × 3 classes (0 = no-logo).
    const cells = [0.9, 0.05, 0.05, 0.3, 0.6, 0.1, 0.2, 0.1, 0.7];
    const scores = Array.from(imageScores(cells, 3, 3, 0));
    expect(scores[1]).toBeCloseTo(0.6);
    expect(scores[2]).toBeCloseTo(0.7);
    expect(scores[0]).toBeCloseTo(0.3);
    // Without a no-logo class every column is a brand maximum.
    expect(Array.from(imageScores(cells, 3, 3, -1)).map((v) => +v.toFixed(2))).toEqual([0.9, 0.6, 0.7]);
    // An offset reads the second image of a batch.
    expect(imageScores([0, 1, 1, 0], 1, 2, 0, 2)[1]).toBeCloseTo(0);
    expect(imageScores([0, 1, 1, 0], 1, 2, 0, 0)[1]).toBeCloseTo(1);
  });

  it("decodes the connected cells around the peak into a box in original pixels", () => {
    const grid = 4;
    const classCount = 2;
    const probabilities = new Float32Array(grid * grid * classCount);
    const set = (r: number, q: number, p: number) => (probabilities[(r * grid + q) * classCount + 1] = p);
    set(1, 1, 0.9);
    set(1, 2, 0.6);
    set(2, 1, 0.5);
    set(3, 3, 0.8); // not connected to the peak: stays out
    set(0, 1, 0.3); // below half the peak
    const box = decodeBox(probabilities, grid, classCount, 1, 400, 200);
    expect(box).toEqual({ x: 100, y: 50, width: 200, height: 100 });
  });

  it("computes intersection over union", () => {
    const a = { x: 0, y: 0, width: 10, height: 10 };
    expect(intersectionOverUnion(a, a)).toBe(1);
    expect(intersectionOverUnion(a, { x: 5, y: 0, width: 10, height: 10 })).toBeCloseTo(50 / 150);
    expect(intersectionOverUnion(a, { x: 20, y: 20, width: 5, height: 5 })).toBe(0);
  });
});

describe("threshold for macro-F1", () => {
  it("picks the threshold a brute force over every candidate picks", () => {
    const classCount = 4;
    const noLogo = 1;
    let state = 12345;
    const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 20; trial++) {
      const n = 30;
      const actual = Array.from({ length: n }, () => Math.floor(next() * classCount));
      const scores = new Float32Array(n * classCount);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < classCount; c++) scores[i * classCount + c] = Math.round(next() * 20) / 20;
        scores[i * classCount + actual[i]] += next() * 0.5;
      }
      const choice = chooseThresholdForMacroF1(scores, classCount, actual, noLogo);
      const labels = ["a", "no-logo", "b", "c"];
      const f1At = (t: number) =>
        classificationReport(labels, actual, decide(scores, classCount, noLogo, t)).macroF1;
      expect(f1At(choice.threshold)).toBeCloseTo(choice.macroF1, 10);
      const values = [...new Set(Array.from({ length: n }, (_, i) => scores[i * classCount + noLogo]))].sort(
        (a, b) => a - b,
      );
      const candidates = [
        0,
        ...values.slice(1).map((v, i) => (v + values[i]) / 2),
        values[0] / 2,
        (values[values.length - 1] + 1) / 2,
      ];
      for (const t of candidates) expect(f1At(t)).toBeLessThanOrEqual(choice.macroF1 + 1e-12);
    }
  });
});

import { decide, recognitionScores } from "../evaluate";
import { chooseNoLogoThreshold, isLogoImage } from "../noLogoThreshold";

// Classes: adidas, nike, no-logo (index 2). Rows are [P(adidas), P(nike), P(no-logo)].
const NO_LOGO = 2;
const ROWS = [
  [0.7, 0.1, 0.2], // adidas, confident
  [0.4, 0.2, 0.4], // adidas, uncertain
  [0.1, 0.5, 0.4], // nike, but argmax-wise a coin flip with no-logo
  [0.3, 0.1, 0.6], // nike image the model thinks is no-logo: brand guess wrong anyway
  [0.3, 0.2, 0.5], // no-logo
  [0.05, 0.05, 0.9], // no-logo
  [0.45, 0.1, 0.45], // no-logo that looks like adidas
];
const ACTUAL = [0, 0, 1, 1, 2, 2, 2];
const PROBABILITIES = ROWS.flat();

describe("chooseNoLogoThreshold", () => {
  it("picks the threshold with the best recognition F1 on validation predictions", () => {
    const choice = chooseNoLogoThreshold(PROBABILITIES, 3, ACTUAL, NO_LOGO);
    // P(no-logo) sorted: .2 .4 .4 .45 .5 .6 .9; calling ≥ .425 no-logo keeps 3 brand decisions (all correct).
    expect(choice.threshold).toBeCloseTo(0.425, 12);
    expect(choice.recognitionF1).toBeCloseTo((2 * 1 * 0.75) / 1.75, 12);
    expect(choice.recognitionAccuracy).toBeCloseTo(6 / 7, 12);
  });

  it("reaches the F1 it reports when the threshold is applied with decide()", () => {
    const choice = chooseNoLogoThreshold(PROBABILITIES, 3, ACTUAL, NO_LOGO);
    const scores = recognitionScores(ACTUAL, decide(PROBABILITIES, 3, NO_LOGO, choice.threshold), NO_LOGO);
    const f1 = (2 * scores.precision * scores.recall) / (scores.precision + scores.recall);
    expect(f1).toBeCloseTo(choice.recognitionF1, 12);
    expect(scores.accuracy).toBeCloseTo(choice.recognitionAccuracy, 12);
  });

  it("beats or equals the argmax decision's F1", () => {
    const argmax = recognitionScores(ACTUAL, decide(PROBABILITIES, 3), NO_LOGO);
    const argmaxF1 = (2 * argmax.precision * argmax.recall) / (argmax.precision + argmax.recall);
    expect(chooseNoLogoThreshold(PROBABILITIES, 3, ACTUAL, NO_LOGO).recognitionF1).toBeGreaterThanOrEqual(
      argmaxF1,
    );
  });

  it("never calls anything no-logo when validation has no no-logo images and brands are right", () => {
    const choice = chooseNoLogoThreshold([0.6, 0.1, 0.3, 0.2, 0.7, 0.1], 3, [0, 1], NO_LOGO);
    expect(choice.threshold).toBeCloseTo(0.65, 12);
    expect(choice.recognitionF1).toBe(1);
  });

  it("rejects probabilities that do not match the number of images", () => {
    expect(() => chooseNoLogoThreshold([0.5, 0.5], 3, [0], NO_LOGO)).toThrow(
      "probabilities has 2 entries, expected 1×3",
    );
  });
});

describe("isLogoImage", () => {
  it("compares P(no-logo) with the checkpoint's threshold", () => {
    expect(isLogoImage([0.5, 0.2, 0.3], NO_LOGO, 0.25)).toBe(false);
    expect(isLogoImage([0.5, 0.2, 0.3], NO_LOGO, 0.35)).toBe(true);
  });

  it("falls back to argmax ≠ no-logo without a threshold", () => {
    expect(isLogoImage([0.5, 0.2, 0.3], NO_LOGO)).toBe(true);
    expect(isLogoImage([0.2, 0.2, 0.6], NO_LOGO)).toBe(false);
  });

  it("says every image shows a logo when the dataset has no no-logo class", () => {
    expect(isLogoImage([0.1, 0.9], -1)).toBe(true);
  });
});

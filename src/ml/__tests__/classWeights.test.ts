import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../backend";
import { classCounts, classWeightsFor, weightedCrossEntropy } from "../classWeights";

describe("class weights", () => {
  const counts = [30, 10, 0];

  it("counts training labels per class", () => {
    expect(classCounts([0, 1, 1, 2, 1], 4)).toEqual([1, 3, 1, 0]);
  });

  it("leaves every class at 1 for NONE", () => {
    expect(classWeightsFor("NONE", counts)).toEqual([1, 1, 1]);
  });

  it("weights INVERSE_FREQUENCY as N / (K·n), 0 for empty classes", () => {
    expect(classWeightsFor("INVERSE_FREQUENCY", counts)).toEqual([40 / 90, 40 / 30, 0]);
  });

  it("weights EFFECTIVE_NUMBER as (1-β)/(1-β^n) normalised to sum K", () => {
    const weights = classWeightsFor("EFFECTIVE_NUMBER", [100, 10], { beta: 0.9 });
    const raw = [0.1 / (1 - 0.9 ** 100), 0.1 / (1 - 0.9 ** 10)];
    const sum = raw[0] + raw[1];
    expect(weights[0]).toBeCloseTo((2 * raw[0]) / sum, 12);
    expect(weights[1]).toBeCloseTo((2 * raw[1]) / sum, 12);
  });

  it("uses CUSTOM weights as given and rejects a wrong count", () => {
    expect(classWeightsFor("CUSTOM", counts, { custom: [1, 2, 3] })).toEqual([1, 2, 3]);
    expect(() => classWeightsFor("CUSTOM", counts, { custom: [1] })).toThrow(
      "CUSTOM weighting needs 3 class weights",
    );
  });
});

describe("weightedCrossEntropy", () => {
  beforeAll(() => selectBackend("auto"));

  it("is the mean of w[y]·(−log p[y]) over the batch", () => {
    const value = tf.tidy(
      () =>
        weightedCrossEntropy(
          tf.tensor2d([
            [0.5, 0.5],
            [0.25, 0.75],
          ]),
          tf.tensor1d([0, 1], "int32"),
          tf.tensor1d([2, 1]),
        ).dataSync()[0],
    );
    expect(value).toBeCloseTo((2 * -Math.log(0.5) + -Math.log(0.75)) / 2, 6);
  });
});

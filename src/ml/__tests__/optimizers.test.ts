import * as tf from "@tensorflow/tfjs";
import { cosineLearningRate, createOptimizer, disposeOptimizer, setLearningRate } from "../optimizers";
import type { Optimizer } from "../hyperparameters";

describe("cosineLearningRate", () => {
  it("starts at the base rate, ends at the floor and passes the midpoint halfway", () => {
    expect(cosineLearningRate(0.002, 0, 0.05)).toBeCloseTo(0.002, 12);
    expect(cosineLearningRate(0.002, 1, 0.05)).toBeCloseTo(0.0001, 12);
    expect(cosineLearningRate(0.002, 0.5, 0.05)).toBeCloseTo(0.002 * (0.05 + 0.95 * 0.5), 12);
  });

  it("never rises and stays within [floor, base], also outside [0, 1]", () => {
    const rates = Array.from({ length: 101 }, (_, i) =>
      cosineLearningRate(1, i / 100 - 0.2 + 0.004 * i, 0.1),
    );
    rates.forEach((rate, i) => {
      expect(rate).toBeGreaterThanOrEqual(0.1 - 1e-12);
      expect(rate).toBeLessThanOrEqual(1 + 1e-12);
      if (i > 0) expect(rate).toBeLessThanOrEqual(rates[i - 1] + 1e-12);
    });
  });
});

describe("setLearningRate", () => {
  /** Loss 0.5·x² on x = 1: its gradient is x, so a step moves x by about the rate (Adam: exactly it). */
  function stepsOf(name: Optimizer, rates: number[]): number[] {
    const initial = tf.scalar(1);
    const x = tf.variable(initial);
    const optimizer = createOptimizer(name, rates[0]);
    const values: number[] = [];
    for (const rate of rates) {
      setLearningRate(optimizer, rate);
      const before = x.dataSync()[0];
      optimizer.minimize(() => tf.mul(0.5, tf.square(x)) as tf.Scalar);
      values.push(before - x.dataSync()[0]);
    }
    disposeOptimizer(optimizer);
    tf.dispose([x, initial]);
    return values;
  }

  it("changes the step SGD takes", () => {
    const [first, second] = stepsOf("SGD", [0.1, 0.01]);
    expect(first).toBeCloseTo(0.1, 6);
    expect(second).toBeCloseTo(0.01 * 0.9, 6);
  });

  it("changes the step Adam takes (its first step is the rate)", () => {
    const [first, second] = stepsOf("ADAM", [0.1, 0.001]);
    expect(first).toBeCloseTo(0.1, 4);
    expect(second).toBeLessThan(0.0011);
    expect(second).toBeGreaterThan(0.0009);
  });

  it("changes the step MOMENTUM takes and leaks no tensor", () => {
    const before = tf.memory().numTensors;
    const [first, second] = stepsOf("MOMENTUM", [0.1, 0]);
    expect(first).toBeCloseTo(0.1, 6);
    expect(second).toBeCloseTo(0, 9);
    expect(tf.memory().numTensors).toBe(before);
  });
});

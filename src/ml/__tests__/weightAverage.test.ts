import * as tf from "@tensorflow/tfjs";
import { averageDecayAt, createWeightAverage, WEIGHT_AVERAGE_DECAY } from "../weightAverage";

describe("averageDecayAt", () => {
  it("starts low so the first steps fade fast, rises, and stops at the ceiling", () => {
    expect(averageDecayAt(0)).toBeCloseTo(0.1, 12);
    expect(averageDecayAt(8)).toBeCloseTo(0.5, 12);
    const decays = Array.from({ length: 400 }, (_, step) => averageDecayAt(step));
    decays.forEach((decay, step) => {
      expect(decay).toBeLessThanOrEqual(WEIGHT_AVERAGE_DECAY);
      if (step > 0) expect(decay).toBeGreaterThanOrEqual(decays[step - 1]);
    });
    expect(decays[399]).toBe(WEIGHT_AVERAGE_DECAY);
    expect(averageDecayAt(1000, 0.5)).toBe(0.5);
  });
});

describe("createWeightAverage", () => {
  /** Two variables of different shapes, set to `a` and `[b, 2b]`. */
  function twoVariables(a: number, b: number): tf.Variable[] {
    return tf.tidy(() => [tf.variable(tf.scalar(a)), tf.variable(tf.tensor1d([b, 2 * b]))]);
  }
  /** Sets them to `a` and `[b, 2b]`. */
  function set(variables: tf.Variable[], a: number, b: number): void {
    tf.tidy(() => {
      variables[0].assign(tf.scalar(a));
      variables[1].assign(tf.tensor1d([b, 2 * b]));
    });
  }
  const valuesOf = (tensors: tf.Tensor[]) => tensors.map((tensor) => Array.from(tensor.dataSync()));

  it("folds each update into an exponential average with the scheduled decay", () => {
    const variables = twoVariables(0, 0);
    const average = createWeightAverage(variables, 0.9);
    // Brute force: the same recurrence on plain numbers.
    let expected = 0;
    for (let step = 0; step < 30; step++) {
      const live = step + 1;
      set(variables, live, live);
      average.update();
      const decay = averageDecayAt(step, 0.9);
      expected = decay * expected + (1 - decay) * live;
    }
    expect(average.steps).toBe(30);
    average.swap();
    const [scalar, vector] = valuesOf(variables);
    expect(scalar[0]).toBeCloseTo(expected, 4);
    expect(vector[0]).toBeCloseTo(expected, 4);
    expect(vector[1]).toBeCloseTo(2 * expected, 4);
    average.dispose();
    tf.dispose(variables);
  });

  it("swaps the average in and out in place, keeps the live weights reachable, and refuses updates while swapped", () => {
    const variables = twoVariables(1, 1);
    const names = variables.map((variable) => variable.name);
    const average = createWeightAverage(variables, 0.5, 100);
    set(variables, 3, 3);
    average.update(); // average = 0.5 · 1 + 0.5 · 3 = 2
    expect(average.isSwapped).toBe(false);
    expect(valuesOf(average.liveValues())).toEqual([[3], [3, 6]]);
    average.swap();
    expect(average.isSwapped).toBe(true);
    expect(valuesOf(variables)).toEqual([[2], [2, 4]]);
    expect(valuesOf(average.liveValues())).toEqual([[3], [3, 6]]);
    expect(variables.map((variable) => variable.name)).toEqual(names);
    expect(() => average.update()).toThrow(/swapped/);
    average.swap();
    expect(valuesOf(variables)).toEqual([[3], [3, 6]]);
    expect(average.steps).toBe(101);
    average.dispose();
    tf.dispose(variables);
  });

  it("keeps a weight that does not move exactly as it is", () => {
    const variables = twoVariables(0.1234567, 3.3);
    const before = valuesOf(variables);
    const average = createWeightAverage(variables);
    for (let i = 0; i < 50; i++) average.update();
    average.swap();
    expect(valuesOf(variables)).toEqual(before);
    average.dispose();
    tf.dispose(variables);
  });

  it("leaves no tensor behind", () => {
    const variables = twoVariables(1, 2);
    const before = tf.memory().numTensors;
    const average = createWeightAverage(variables);
    for (let i = 0; i < 5; i++) {
      average.update();
      average.swap();
      average.liveValues();
      average.swap();
    }
    average.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(variables);
  });
});

import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../backend";
import {
  cellHeadStep,
  cellHeadVariables,
  cellProbabilities,
  channelStandardisation,
  createCellHead,
  standardisationTable,
  writeStandardisedCell,
} from "../cellHead";
import { halfAndHalfWeights, imageCellsFor } from "../trainLocalizer";
import { createRandom } from "../../random";
import { IGNORE_CELL } from "../cellLabels";

function largestDifference(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

beforeAll(async () => {
  await selectBackend("auto");
});

describe("cell head", () => {
  it("predicts like the layers model and steps with the gradients autodiff computes", () => {
    const before = tf.memory().numTensors;
    const head = createCellHead(6, 3, 7, 5);
    const variables = cellHeadVariables(head);
    const features = tf.randomNormal([10, 6], 0, 1, "float32", 3) as tf.Tensor2D;
    const labels = tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], "int32");
    const weights = tf.tensor1d(Array.from({ length: 10 }, (_, i) => (i + 1) / 55));
    const ours = cellProbabilities(variables, features);
    const theirs = head.predict(features) as tf.Tensor;
    expect(largestDifference(ours, theirs)).toBeLessThan(1e-5);
    tf.dispose([ours, theirs]);
    const weightDecay = 0.01;
    const list = [variables.hiddenKernel, variables.hiddenBias, variables.outputKernel, variables.outputBias];
    const expected = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const p = cellProbabilities(variables, features);
        const picked = tf.sum(tf.mul(p, tf.oneHot(labels, 3).toFloat()), 1);
        return tf.sum(tf.mul(weights, tf.neg(tf.log(picked)))) as tf.Scalar;
      }, list);
      return list.map((v, i) =>
        tf.keep(tf.sub(v, tf.add(grads[v.name], i % 2 === 0 ? tf.mul(v, weightDecay) : 0))),
      );
    });
    const optimizer = tf.train.sgd(1);
    const step = cellHeadStep(variables, optimizer, features, labels, weights, weightDecay);
    expect(step.loss.dataSync()[0]).toBeGreaterThan(0);
    expect(step.correct.dataSync()[0]).toBeGreaterThanOrEqual(0);
    list.forEach((v, i) => {
      expect(largestDifference(v, expected[i])).toBeLessThan(1e-5);
    });
    tf.dispose([...expected, step.loss, step.correct, features, labels, weights]);
    optimizer.dispose();
    head.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("standardises channels with the mean and standard deviation of every cell", () => {
    const channels = 2;
    const maps = Uint8Array.from([0, 10, 2, 10, 4, 10]);
    const toValue = (b: number) => b / 2;
    const { mean, std } = channelStandardisation(maps, channels, toValue);
    expect(mean[0]).toBeCloseTo(1);
    expect(std[0]).toBeCloseTo(Math.sqrt(2 / 3));
    expect(mean[1]).toBeCloseTo(5);
    expect(std[1]).toBeCloseTo(1e-3); // a constant channel gets the floor
    const table = standardisationTable({ mean, std }, toValue);
    const row = new Float32Array(2);
    writeStandardisedCell(maps, 2, channels, table, row, 0);
    expect(row[0]).toBeCloseTo(1 / Math.sqrt(2 / 3));
    expect(row[1]).toBeCloseTo(0);
  });

  it("samples every brand cell and at most 64 no-logo cells, never ignored ones; halves the loss", () => {
    const labels = new Int32Array(100).fill(0);
    labels.fill(IGNORE_CELL, 10, 20);
    labels.fill(4, 20, 23);
    const cells = imageCellsFor(labels, 0, true, 4, createRandom(1));
    expect(cells.positives).toEqual([20, 21, 22]);
    expect(cells.negatives).toHaveLength(64);
    expect(new Set(cells.negatives).size).toBe(64);
    expect(cells.negatives.every((c) => labels[c] === 0)).toBe(true);
    expect(imageCellsFor(labels, 0, false, 4, createRandom(1))).toEqual({
      positives: [],
      negatives: [],
      milLabel: 4,
    });
    const weights = Array.from(halfAndHalfWeights([true, false, false, false], [4, 0, 0, 0]));
    expect(weights[0]).toBeCloseTo(0.5);
    expect(weights.slice(1).reduce((a, b) => a + b)).toBeCloseTo(0.5);
    expect(Array.from(halfAndHalfWeights([false, false], [0, 0]))).toEqual([0.5, 0.5]);
    // Brand 4 has three rows, brand 7 one: each brand gets a quarter of the loss.
    const balanced = Array.from(halfAndHalfWeights([true, true, true, true, false], [4, 4, 4, 7, 0]));
    expect(balanced[0] * 3).toBeCloseTo(0.25);
    expect(balanced[3]).toBeCloseTo(0.25);
    expect(balanced[4]).toBeCloseTo(0.5);
  });
});

import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../backend";
import { loadMobileNetV2MidBackbone, type SpatialBackbone } from "../../models/graphBackbone";
import { createRandom } from "../../random";
import {
  createTailVariables,
  pretrainedTailWeights,
  tailForward,
  TAIL_INPUT_TAP,
  TAIL_VARIABLE_NAMES,
  type TailVariables,
} from "../backboneTail";

describe("backbone tail (block 12 + block 13's expansion as variables)", () => {
  let backbone: SpatialBackbone;
  let variables: TailVariables;
  let images: tf.Tensor4D;

  beforeAll(async () => {
    await selectBackend("wasm");
    backbone = await loadMobileNetV2MidBackbone();
    const weights = pretrainedTailWeights(backbone);
    variables = createTailVariables(weights, "tail-test");
    tf.dispose(Object.values(weights));
    const random = createRandom(5);
    images = tf.tensor4d(
      Float32Array.from({ length: 2 * 96 * 96 * 3 }, () => random.next()),
      [2, 96, 96, 3],
    );
  });

  afterAll(() => {
    tf.dispose([images, ...Object.values(variables)]);
    backbone.dispose();
  });

  it("maps the graph's block-11 output to the graph's own tap (pretrained weights)", () => {
    const [expected, actual] = tf.tidy(() => {
      const lower = backbone.featureMapAt(images, TAIL_INPUT_TAP);
      expect(lower.shape).toEqual([2, 6, 6, 136]);
      return [backbone.featureMap(images), tailForward(variables, lower)];
    });
    expect(actual.shape).toEqual(expected.shape);
    const worst = tf.tidy(() => tf.max(tf.abs(tf.sub(actual, expected))).dataSync()[0]);
    const scale = tf.tidy(() => tf.max(expected).dataSync()[0]);
    expect(scale).toBeGreaterThan(1);
    expect(worst / scale).toBeLessThan(1e-4);
    tf.dispose([expected, actual]);
  });

  it("has a gradient for every variable on wasm (depthwise included) and leaks no tensor", () => {
    const lower = tf.tidy(() => backbone.featureMapAt(images, TAIL_INPUT_TAP));
    const before = tf.memory().numTensors;
    const norms = tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => tf.mean(tf.square(tailForward(variables, lower))) as tf.Scalar,
        TAIL_VARIABLE_NAMES.map((name) => variables[name]),
      );
      return TAIL_VARIABLE_NAMES.map((name) => tf.norm(grads[variables[name].name]).dataSync()[0]);
    });
    for (const norm of norms) {
      expect(Number.isFinite(norm)).toBe(true);
      expect(norm).toBeGreaterThan(0);
    }
    expect(tf.memory().numTensors).toBe(before);
    lower.dispose();
  });
});

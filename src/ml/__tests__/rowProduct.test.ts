import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../backend";
import { createRandom } from "../random";
import { rowProduct } from "../rowProduct";

function randomMatrix(rows: number, columns: number, seed: number): tf.Tensor2D {
  const random = createRandom(seed);
  return tf.tensor2d(
    Float32Array.from({ length: rows * columns }, () => random.next() * 2 - 1),
    [rows, columns],
  );
}

describe("rowProduct (matMul whose gradients transpose first)", () => {
  beforeAll(async () => {
    await selectBackend("wasm");
  });

  it("has tf.matMul's value and gradients, and leaks nothing", () => {
    const before = tf.memory().numTensors;
    const [x, k, dy] = [randomMatrix(37, 11, 1), randomMatrix(11, 5, 2), randomMatrix(37, 5, 3)];
    const loss = (product: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(product(a, b), dy));
    const reference = tf.grads(loss((a, b) => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D)))([x, k]);
    const actual = tf.grads(loss(rowProduct))([x, k]);
    const [value, expected] = [rowProduct(x, k), tf.matMul(x, k)];
    const worst = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
    expect(worst(value, expected)).toBeLessThan(1e-5);
    expect(worst(actual[0], reference[0])).toBeLessThan(1e-5);
    expect(worst(actual[1], reference[1])).toBeLessThan(1e-5);
    tf.dispose([x, k, dy, value, expected, ...reference, ...actual]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

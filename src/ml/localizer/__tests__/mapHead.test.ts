import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../backend";
import { cellHeadVariables, cellProbabilities, createCellHead, standardisationTable } from "../cellHead";
import { headInputWidth, writeCellRow } from "../cellContext";
import { dequantizeRelu6 } from "../featureMaps";
import { mapHeadOf } from "../mapHead";

beforeAll(async () => {
  await selectBackend("auto");
});

describe("mapHeadOf", () => {
  const [images, grid, channels, classCount] = [2, 5, 6, 4];
  const cells = grid * grid;
  // Quantised maps with every byte value spread over channels and cells, as the feature cache holds them.
  const bytes = Uint8Array.from({ length: images * cells * channels }, (_, i) => (i * 53 + 11) % 256);
  const standardisation = {
    mean: Float32Array.from({ length: channels }, (_, c) => 0.4 + 0.3 * c),
    std: Float32Array.from({ length: channels }, (_, c) => 0.5 + 0.25 * c),
  };
  const table = standardisationTable(standardisation, dequantizeRelu6);

  /** What training feeds the head: `writeCellRow` rows of every cell through `cellProbabilities`. */
  function trainingRowProbabilities(head: tf.LayersModel, contextWindow: number): Float32Array {
    const width = headInputWidth(channels, contextWindow);
    const rows = new Float32Array(images * cells * width);
    for (let image = 0; image < images; image++)
      for (let cell = 0; cell < cells; cell++)
        writeCellRow(
          bytes,
          image * cells,
          cell,
          grid,
          channels,
          table,
          rows,
          image * cells + cell,
          contextWindow,
        );
    return tf.tidy(() =>
      cellProbabilities(cellHeadVariables(head), tf.tensor2d(rows, [images * cells, width])).dataSync(),
    ) as Float32Array;
  }

  for (const contextWindow of [1, 3]) {
    it(`equals the training rows through the head (window ${contextWindow}), from bytes and from activations, leaking nothing`, () => {
      const head = createCellHead(headInputWidth(channels, contextWindow), classCount, 7 + contextWindow);
      const expected = trainingRowProbabilities(head, contextWindow);
      const before = tf.memory().numTensors;
      const shape: [number, number, number, number] = [images, grid, grid, channels];
      const fromBytes = mapHeadOf(
        cellHeadVariables(head),
        standardisation,
        contextWindow,
        dequantizeRelu6(1),
      );
      const byteProbabilities = tf.tidy(() =>
        fromBytes.probabilities(tf.tensor4d(new Float32Array(bytes), shape)),
      );
      const fromValues = mapHeadOf(cellHeadVariables(head), standardisation, contextWindow);
      const valueProbabilities = tf.tidy(() =>
        fromValues.probabilities(tf.tensor4d(Float32Array.from(bytes, dequantizeRelu6), shape)),
      );
      expect(byteProbabilities.shape).toEqual([images * cells, classCount]);
      const [a, b] = [byteProbabilities.dataSync(), valueProbabilities.dataSync()];
      expected.forEach((value, i) => {
        expect(a[i]).toBeCloseTo(value, 4);
        expect(b[i]).toBeCloseTo(value, 4);
      });
      expect(fromBytes.weightBytes).toBe((headInputWidth(channels, contextWindow) * 256 + 256) * 4);
      tf.dispose([byteProbabilities, valueProbabilities]);
      fromBytes.dispose();
      fromValues.dispose();
      expect(tf.memory().numTensors).toBe(before);
      head.dispose();
    });
  }

  it("keeps the first layer as it was folded; folding again picks up changed weights", () => {
    const head = createCellHead(channels, classCount, 3);
    const variables = cellHeadVariables(head);
    const folded = mapHeadOf(variables, standardisation, 1, dequantizeRelu6(1));
    const input = tf.tensor4d(new Float32Array(bytes), [images, grid, grid, channels]);
    const before = tf.tidy(() => folded.probabilities(input).dataSync());
    variables.hiddenKernel.assign(tf.tidy(() => tf.mul(variables.hiddenKernel, 2)));
    const after = tf.tidy(() => folded.probabilities(input).dataSync());
    expect(Array.from(after)).toEqual(Array.from(before));
    const refolded = mapHeadOf(variables, standardisation, 1, dequantizeRelu6(1));
    const changed = tf.tidy(() => refolded.probabilities(input).dataSync());
    expect(Array.from(changed)).not.toEqual(Array.from(before));
    tf.dispose(input);
    folded.dispose();
    refolded.dispose();
    head.dispose();
  });
});

import * as tf from "@tensorflow/tfjs";
import { selectBackend } from "../../backend";
import { standardisationTable } from "../cellHead";
import { cellRowsOf, headInputWidth, windowCounts, writeCellRow } from "../cellContext";

beforeAll(async () => {
  await selectBackend("auto");
});

describe("cell context", () => {
  const grid = 4;
  const channels = 3;
  const images = 2;
  // Bytes 0..255 of two 4×4 maps of 3 channels, standardised by a per-channel affine table.
  const maps = Uint8Array.from({ length: images * grid * grid * channels }, (_, i) => (i * 37) % 256);
  const toValue = (byte: number) => byte / 10;
  const table = standardisationTable(
    { mean: Float32Array.from([1, 2, 3]), std: Float32Array.from([2, 1, 0.5]) },
    toValue,
  );
  const standardised = (image: number, cell: number, c: number) =>
    table[c * 256 + maps[(image * grid * grid + cell) * channels + c]];

  it("counts the in-map cells of each window", () => {
    expect(Array.from(windowCounts(3, 3))).toEqual([4, 6, 4, 6, 9, 6, 4, 6, 4]);
    expect(Array.from(windowCounts(2, 1))).toEqual([1, 1, 1, 1]);
  });

  it("writes a cell's channels and its window's mean, corners averaging only in-map cells", () => {
    const row = new Float32Array(headInputWidth(channels, 3));
    writeCellRow(maps, grid * grid, 0, grid, channels, table, row, 0, 3);
    for (let c = 0; c < channels; c++) {
      expect(row[c]).toBeCloseTo(standardised(1, 0, c), 5);
      const window = [0, 1, grid, grid + 1].map((cell) => standardised(1, cell, c));
      expect(row[channels + c]).toBeCloseTo(window.reduce((a, b) => a + b) / 4, 5);
    }
    const alone = new Float32Array(channels);
    writeCellRow(maps, 0, 5, grid, channels, table, alone, 0, 1);
    expect(Array.from(alone)).toEqual([0, 1, 2].map((c) => standardised(0, 5, c)));
  });

  it("gives whole maps the rows the batch writer gives single cells, and leaks no tensor", () => {
    const before = tf.memory().numTensors;
    const width = headInputWidth(channels, 3);
    const expected = new Float32Array(images * grid * grid * width);
    for (let image = 0; image < images; image++)
      for (let cell = 0; cell < grid * grid; cell++)
        writeCellRow(
          maps,
          image * grid * grid,
          cell,
          grid,
          channels,
          table,
          expected,
          image * grid * grid + cell,
          3,
        );
    const flat = Float32Array.from({ length: images * grid * grid * channels }, (_, i) =>
      standardised(
        Math.floor(i / (grid * grid * channels)),
        Math.floor(i / channels) % (grid * grid),
        i % channels,
      ),
    );
    const input = tf.tensor4d(flat, [images, grid, grid, channels]);
    const rows = cellRowsOf(input, 3);
    expect(rows.shape).toEqual([images * grid * grid, width]);
    const actual = rows.dataSync();
    expected.forEach((value, i) => expect(actual[i]).toBeCloseTo(value, 4));
    const plain = cellRowsOf(input, 1);
    expect(plain.shape).toEqual([images * grid * grid, channels]);
    tf.dispose([input, rows, plain]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

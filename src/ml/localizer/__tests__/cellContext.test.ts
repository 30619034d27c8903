import { standardisationTable } from "../cellHead";
import { headInputWidth, writeCellRow } from "../cellContext";

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
});

import { IGNORE_CELL } from "../cellLabels";
import { hardestNegativeCells, writeBrandPeaks } from "../hardNegatives";
import { createRandom } from "../../random";
import { imageCellsFor } from "../trainLocalizer";

describe("hard-negative mining", () => {
  it("takes each cell's brand peak, never the no-logo column", () => {
    // 3 cells × 3 classes (no-logo is class 0), written after a 2-cell offset.
    const probabilities = [0.9, 0.05, 0.05, 0.2, 0.7, 0.1, 0.1, 0.3, 0.6];
    const peaks = new Float32Array(5);
    writeBrandPeaks(probabilities, 3, 3, 0, peaks, 2);
    expect(Array.from(peaks)).toEqual([0, 0, 0.05, 0.7, 0.6].map(Math.fround));
  });

  it("chooses the no-logo cells with the highest brand peaks, never brand or ignored cells", () => {
    const labels = [0, 3, IGNORE_CELL, 0, 0, 0];
    const peaks = [0.1, 0.99, 0.98, 0.5, 0.5, 0.7];
    expect(hardestNegativeCells(peaks, labels, 0, 3)).toEqual([5, 3, 4]);
    expect(hardestNegativeCells(peaks, labels, 0, 10)).toEqual([5, 3, 4, 0]);
    expect(hardestNegativeCells(peaks, labels, 0, 0)).toEqual([]);
  });

  it("keeps the hard negatives and fills the rest of the 64 at random from the other no-logo cells", () => {
    const labels = new Int32Array(100).fill(0);
    labels.fill(4, 20, 23);
    const hard = [99, 98, 5];
    const cells = imageCellsFor(labels, 0, true, 4, createRandom(1), 64, hard);
    expect(cells.positives).toEqual([20, 21, 22]);
    expect(cells.negatives.slice(0, 3)).toEqual(hard);
    expect(cells.negatives).toHaveLength(64);
    expect(new Set(cells.negatives).size).toBe(64);
    expect(cells.negatives.every((cell) => labels[cell] === 0)).toBe(true);
  });
});

import { cellLabels, fractionBoxes, IGNORE_CELL } from "../cellLabels";

const NO_LOGO = 0;

describe("cell labels from boxes", () => {
  it("gives cells whose centre lies in the box its class, a ring of ignored cells, no-logo elsewhere", () => {
    // 8×8 grid, cell centres at (q + 0.5) / 8; the box covers cells 2..4 on both axes.
    const box = { left: 0.25, top: 0.25, right: 0.625, bottom: 0.625, label: 3 };
    const labels = cellLabels([box], 8, NO_LOGO);
    const at = (r: number, q: number) => labels[r * 8 + q];
    for (let r = 2; r <= 4; r++) for (let q = 2; q <= 4; q++) expect(at(r, q)).toBe(3);
    // The ring is 25 % of the box's side (0.094) outside it: centres 0.1875 and 0.6875 are inside.
    expect(at(1, 3)).toBe(IGNORE_CELL);
    expect(at(5, 5)).toBe(IGNORE_CELL);
    expect(at(0, 0)).toBe(NO_LOGO);
    expect(at(7, 7)).toBe(NO_LOGO);
    const counts = { logo: 0, ignored: 0, background: 0 };
    labels.forEach((label) => {
      if (label === 3) counts.logo++;
      else if (label === IGNORE_CELL) counts.ignored++;
      else counts.background++;
    });
    expect(counts).toEqual({ logo: 9, ignored: 25 - 9, background: 64 - 25 });
  });

  it("labels the cell nearest the centre of a box too small to hold a cell centre", () => {
    const tiny = { left: 0.51, top: 0.01, right: 0.53, bottom: 0.03, label: 2 };
    const labels = cellLabels([tiny], 4, NO_LOGO);
    expect(labels[0 * 4 + 2]).toBe(2);
    expect(Array.from(labels).filter((l) => l === 2)).toHaveLength(1);
  });

  it("keeps a box's cells when another box's ring overlaps them, and no boxes means all no-logo", () => {
    const a = { left: 0, top: 0, right: 0.5, bottom: 0.5, label: 1 };
    const b = { left: 0.5, top: 0, right: 1, bottom: 0.5, label: 2 };
    const labels = cellLabels([a, b], 4, NO_LOGO);
    expect(Array.from(labels.subarray(0, 4))).toEqual([1, 1, 2, 2]);
    expect(Array.from(cellLabels([], 3, NO_LOGO))).toEqual(Array(9).fill(NO_LOGO));
  });

  it("turns pixel boxes into fractions with the box's own label or the image's", () => {
    expect(
      fractionBoxes(
        [
          { x: 10, y: 20, width: 30, height: 40 },
          { x: 0, y: 0, width: 100, height: 50, label: 5 },
          { x: 1, y: 1, width: 0, height: 4 },
        ],
        2,
        100,
        200,
      ),
    ).toEqual([
      { left: 0.1, top: 0.1, right: 0.4, bottom: 0.3, label: 2 },
      { left: 0, top: 0, right: 1, bottom: 0.25, label: 5 },
    ]);
  });
});

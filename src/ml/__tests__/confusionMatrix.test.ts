import { confusionMatrix, mostCommonConfusions } from "../confusionMatrix";

describe("mostCommonConfusions", () => {
  it("lists the largest mistakes first, ties in label order, never the diagonal", () => {
    const labels = ["adidas", "ferrari", "no-logo", "starbucks"];
    // ferrari → starbucks ×3, adidas → no-logo ×2, starbucks → ferrari ×2, adidas right ×5.
    const actual = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 3, 3];
    const predicted = [0, 0, 0, 0, 0, 2, 2, 3, 3, 3, 1, 1];
    const matrix = confusionMatrix(labels, actual, predicted);
    expect(mostCommonConfusions(matrix, 10)).toEqual([
      { actual: "ferrari", predicted: "starbucks", count: 3 },
      { actual: "adidas", predicted: "no-logo", count: 2 },
      { actual: "starbucks", predicted: "ferrari", count: 2 },
    ]);
    expect(mostCommonConfusions(matrix, 1)).toHaveLength(1);
    expect(mostCommonConfusions(confusionMatrix(labels, [0, 1], [0, 1]), 5)).toEqual([]);
  });
});

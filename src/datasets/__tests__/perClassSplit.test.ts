import { assignPerClassSplits, invalidPerClassSplitField } from "../perClassSplit";

describe("assignPerClassSplits", () => {
  const items = ["a", "a", "a", "a", "b", "no-logo", "b", "no-logo", "no-logo", "no-logo", "q"];
  const split = { trainPerClass: 2, valPerClass: 1, noLogoValShare: 0.5 };

  it("gives each class its first images to train, the next to val and the rest to test, in input order", () => {
    expect(
      assignPerClassSplits(
        items,
        (x) => x,
        split,
        "no-logo",
        (x) => x === "q",
      ),
    ).toEqual(["train", "train", "val", "test", "train", "val", "train", "val", "test", "test", "test"]);
  });

  it("names the first bad field", () => {
    expect(invalidPerClassSplitField(split)).toBeNull();
    expect(invalidPerClassSplitField({ ...split, trainPerClass: 0 })).toBe("trainPerClass");
    expect(invalidPerClassSplitField({ ...split, valPerClass: -1 })).toBe("valPerClass");
    expect(invalidPerClassSplitField({ ...split, noLogoValShare: 1.5 })).toBe("noLogoValShare");
  });
});

import { InvalidArgumentError } from "commander";
import { parseRange, parseVary, pointLabel, spaceFromArguments } from "../sweepArguments";

describe("sweep arguments", () => {
  it("reads --vary values as JSON where they are, as text otherwise, augmentation sets with +", () => {
    expect(parseVary("learningRate=0.1,0.01")).toEqual(["learningRate", [0.1, 0.01]]);
    expect(parseVary("lossWeighting=NONE, INVERSE_FREQUENCY")).toEqual([
      "lossWeighting",
      ["NONE", "INVERSE_FREQUENCY"],
    ]);
    expect(parseVary("pretrained=true,false")).toEqual(["pretrained", [true, false]]);
    expect(parseVary("augmentations=none,HORIZONTAL_FLIP+RANDOM_CROP")).toEqual([
      "augmentations",
      [[], ["HORIZONTAL_FLIP", "RANDOM_CROP"]],
    ]);
    expect(() => parseVary("dropout=0.1")).toThrow(InvalidArgumentError);
    expect(() => parseVary("learningRate")).toThrow("expected name=value,value,…");
  });

  it("reads --range bounds and scale", () => {
    expect(parseRange("learningRate=0.0001:0.1:log")).toEqual([
      "learningRate",
      { min: 0.0001, max: 0.1, scale: "LOG" },
    ]);
    expect(parseRange("weightDecay=0:0.01")).toEqual(["weightDecay", { min: 0, max: 0.01, scale: "LINEAR" }]);
    expect(() => parseRange("seed=1:9")).toThrow(
      "only learningRate, weightDecay, effectiveNumberBeta take a range",
    );
    expect(() => parseRange("learningRate=a:b")).toThrow("range bounds must be numbers");
  });

  it("puts --vary and --range on top of --space", () => {
    expect(
      spaceFromArguments('{"seed":[1,2],"learningRate":[0.5]}', ["learningRate=0.1"], ["weightDecay=0:1"]),
    ).toEqual({
      seed: [1, 2],
      learningRate: [0.1],
      weightDecayRange: { min: 0, max: 1, scale: "LINEAR" },
    });
    expect(() => spaceFromArguments("[1]", [], [])).toThrow("--space must be a JSON object");
    expect(() => spaceFromArguments("{", [], [])).toThrow(/^--space is not JSON/);
  });

  it("labels a point by what the sweep varies", () => {
    expect(
      pointLabel({ learningRate: 0.0123456, augmentations: [], seed: 3 }, ["learningRate", "augmentations"]),
    ).toBe("learningRate=0.01235 augmentations=none");
  });
});

import type { FeatureCacheKey } from "../../ml/featureCache";
import { withDefaults } from "../../ml/hyperparameters";
import { featureCacheUsesOf, unusedEntries } from "../featureCacheUsage";

const mobilenet = (overrides = {}) =>
  withDefaults({
    architecture: "MOBILENET_V2",
    pretrained: true,
    trainableLayers: "HEAD",
    imageSize: 128,
    ...overrides,
  });

function key(split: string, overrides: Partial<FeatureCacheKey> = {}): FeatureCacheKey {
  const isTrain = split === "train";
  return {
    datasetVersion: "hash-a",
    split,
    backboneId: "nsfwjs-mobilenet_v2",
    taps: ["out_relu"],
    imageSize: 128,
    augmentations: isTrain ? ["HORIZONTAL_FLIP", "RANDOM_CROP"] : [],
    views: isTrain ? 3 : 1,
    seed: isTrain ? 42 : 0,
    ...overrides,
  };
}

describe("feature cache usage", () => {
  it("knows that only head-only MOBILENET_V2 and LOCALIZER runs read feature caches, per split", () => {
    expect(featureCacheUsesOf(withDefaults({}), "hash-a")).toEqual([]);
    expect(featureCacheUsesOf(withDefaults({ architecture: "LOCALIZER" }), "hash-a")).toEqual(
      ["train", "validation", "test"].map((split) => ({ datasetVersion: "hash-a", imageSize: 320, split })),
    );
    expect(featureCacheUsesOf(mobilenet(), "hash-a").map((u) => u.split)).toEqual([
      "train",
      "validation",
      "test",
    ]);
  });

  it("removes what a deleted run read and no remaining run reads", () => {
    const keys = [
      key("train"),
      key("validation"),
      key("test"),
      key("train", { seed: 7 }),
      key("validation", { datasetVersion: "hash-b" }),
    ];
    const deleted = featureCacheUsesOf(mobilenet(), "hash-a");
    const wasUsed = (k: FeatureCacheKey) =>
      deleted.some(
        (use) =>
          k.datasetVersion === use.datasetVersion &&
          k.split === use.split &&
          (use.seed === undefined || k.seed === use.seed),
      );
    expect(unusedEntries(keys, wasUsed, [])).toEqual([key("train"), key("validation"), key("test")]);
    // Another run on the same data with another seed still reads the evaluation splits.
    const remaining = featureCacheUsesOf(mobilenet({ seed: 7 }), "hash-a");
    expect(unusedEntries(keys, wasUsed, remaining)).toEqual([key("train")]);
    // A run at another image size reads none of them.
    expect(
      unusedEntries(keys, wasUsed, featureCacheUsesOf(mobilenet({ imageSize: 160 }), "hash-a")),
    ).toHaveLength(3);
  });
});

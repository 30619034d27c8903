import { ValidationError } from "../../errors";
import {
  defaultHyperparameters,
  LOCALIZER_TAIL_LAYERS,
  validateHyperparameters,
  withDefaults,
  type Hyperparameters,
} from "../hyperparameters";

function fieldOf(h: Partial<Hyperparameters>, classCount?: number): unknown {
  try {
    validateHyperparameters(withDefaults(h), classCount);
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).details.field;
  }
  return undefined;
}

describe("hyperparameters", () => {
  it("defaults to the article: AlexNet-lite, SGD lr 0.01, wd 0.001, batch 40, 20 epochs, flip + random crop", () => {
    expect(defaultHyperparameters).toEqual({
      architecture: "ALEXNET_LITE",
      pretrained: false,
      trainableLayers: "ALL",
      imageSize: 96,
      batchSize: 40,
      epochs: 20,
      optimizer: "SGD",
      learningRate: 0.01,
      weightDecay: 0.001,
      augmentations: ["HORIZONTAL_FLIP", "RANDOM_CROP"],
      lossWeighting: "NONE",
      seed: 42,
    });
    expect(validateHyperparameters(withDefaults({}))).toEqual(defaultHyperparameters);
  });

  it("fills missing fields and ignores explicit undefined", () => {
    expect(withDefaults({ epochs: 3, seed: undefined }).seed).toBe(42);
  });

  it("names the offending field in details.field", () => {
    expect(fieldOf({ imageSize: 95 })).toBe("imageSize");
    expect(fieldOf({ architecture: "RESNET18_V2", imageSize: 63 })).toBe("imageSize");
    expect(fieldOf({ batchSize: 0 })).toBe("batchSize");
    expect(fieldOf({ epochs: 1.5 })).toBe("epochs");
    expect(fieldOf({ learningRate: 0 })).toBe("learningRate");
    expect(fieldOf({ weightDecay: -1 })).toBe("weightDecay");
    expect(fieldOf({ optimizer: "RMSPROP" as never })).toBe("optimizer");
    expect(fieldOf({ augmentations: ["ROTATE" as never] })).toBe("augmentations");
    expect(fieldOf({ augmentations: ["RANDOM_CROP", "RANDOM_RESIZED_CROP"] })).toBe("augmentations");
    expect(fieldOf({ trainableLayers: 0 })).toBe("trainableLayers");
    expect(fieldOf({ pretrained: true })).toBe("pretrained");
    expect(fieldOf({ architecture: "MOBILENET_V2", trainableLayers: "HEAD" })).toBe("pretrained");
    expect(fieldOf({ architecture: "MOBILENET_V2", pretrained: true, trainableLayers: "ALL" })).toBe(
      "trainableLayers",
    );
    expect(fieldOf({ lossWeighting: "CUSTOM" })).toBe("classWeights");
    expect(fieldOf({ lossWeighting: "CUSTOM", classWeights: [1, 2] }, 3)).toBe("classWeights");
    expect(fieldOf({ effectiveNumberBeta: 1 })).toBe("effectiveNumberBeta");
    expect(fieldOf({ seed: -1 })).toBe("seed");
  });

  it("explains AlexNet-lite's minimum size in the message", () => {
    expect(() => validateHyperparameters(withDefaults({ imageSize: 64 }))).toThrow(
      "hyperparameters.imageSize must be an integer in [96, 512], got 64",
    );
  });

  it("accepts a valid CUSTOM weighting and an integer trainableLayers", () => {
    const h = withDefaults({ lossWeighting: "CUSTOM", classWeights: [1, 0.5, 2], trainableLayers: 2 });
    expect(validateHyperparameters(h, 3)).toBe(h);
  });
});

describe("LOCALIZER hyperparameters", () => {
  it("fills omitted fields with the localizer's measured recipe, keeping what was given", () => {
    expect(withDefaults({ architecture: "LOCALIZER" })).toEqual({
      architecture: "LOCALIZER",
      pretrained: true,
      trainableLayers: 4,
      imageSize: 320,
      batchSize: 32,
      epochs: 8,
      optimizer: "ADAM",
      learningRate: 0.002,
      weightDecay: 0.0001,
      augmentations: [],
      lossWeighting: "NONE",
      seed: 42,
    });
    expect(withDefaults({ architecture: "LOCALIZER", imageSize: 448, epochs: 3 })).toMatchObject({
      imageSize: 448,
      epochs: 3,
      learningRate: 0.002,
    });
    expect(() => validateHyperparameters(withDefaults({ architecture: "LOCALIZER" }))).not.toThrow();
    expect(() =>
      validateHyperparameters(withDefaults({ architecture: "LOCALIZER", augmentations: ["COPY_PASTE"] })),
    ).not.toThrow();
    expect(() =>
      validateHyperparameters(
        withDefaults({ architecture: "LOCALIZER", trainableLayers: LOCALIZER_TAIL_LAYERS }),
      ),
    ).not.toThrow();
  });

  it("refuses COPY_PASTE for the whole-image architectures (they have no boxes to paste)", () => {
    expect(() => validateHyperparameters(withDefaults({ augmentations: ["COPY_PASTE"] }))).toThrow(
      expect.objectContaining({ details: { field: "augmentations" } }),
    );
  });

  it.each([
    ["from scratch", { pretrained: false }, "pretrained"],
    ["with every backbone layer trainable", { trainableLayers: "ALL" as const }, "trainableLayers"],
    ["with a tail other than block 12 + block 13's expansion", { trainableLayers: 2 }, "trainableLayers"],
    ["with augmentations", { augmentations: ["HORIZONTAL_FLIP" as const] }, "augmentations"],
    ["below 64 px", { imageSize: 48 }, "imageSize"],
  ])("refuses a LOCALIZER %s", (_, overrides, field) => {
    const h = withDefaults({ architecture: "LOCALIZER", ...overrides });
    expect(() => validateHyperparameters(h)).toThrow(expect.objectContaining({ details: { field } }));
  });
});

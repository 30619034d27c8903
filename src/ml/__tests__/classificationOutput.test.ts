import { ValidationError } from "../../errors";
import { toClassificationOutput, validateTopK } from "../classificationOutput";

const LABELS = ["adidas", "nike", "no-logo"];
const SHA = "ab".repeat(32);

describe("toClassificationOutput", () => {
  it("applies the checkpoint's no-logo threshold to the label and isLogo", () => {
    const output = toClassificationOutput(
      [0.5, 0.2, 0.3],
      { labels: LABELS, noLogoThreshold: 0.25, weightsSha256: SHA },
      2,
    );
    expect(output).toEqual({
      label: "no-logo",
      probability: 0.3,
      isLogo: false,
      topK: [
        { label: "adidas", probability: 0.5 },
        { label: "no-logo", probability: 0.3 },
      ],
      box: null,
      weightsSha256: SHA,
    });
  });

  it("falls back to the argmax for checkpoints without a threshold", () => {
    const output = toClassificationOutput([0.5, 0.2, 0.3], { labels: LABELS, weightsSha256: SHA }, 1);
    expect(output).toMatchObject({ label: "adidas", probability: 0.5, isLogo: true });
    expect(output.topK).toEqual([{ label: "adidas", probability: 0.5 }]);
  });

  it("reports every image as a logo when there is no no-logo class, and caps topK at the class count", () => {
    const output = toClassificationOutput([0.3, 0.7], { labels: ["adidas", "nike"], weightsSha256: SHA }, 5);
    expect(output).toMatchObject({ label: "nike", isLogo: true });
    expect(output.topK.map((entry) => entry.label)).toEqual(["nike", "adidas"]);
  });
});

describe("validateTopK", () => {
  it.each([0, -1, 1.5, Number.NaN])("rejects topK %p with a ValidationError naming topK", (topK) => {
    expect(() => validateTopK(topK)).toThrow(ValidationError);
    expect(() => validateTopK(topK)).toThrow(`topK must be a positive integer, got ${topK}`);
  });
});

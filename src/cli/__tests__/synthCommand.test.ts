import { parseSynthCliOptions } from "../synthCommand";

describe("synth CLI options", () => {
  it("accepts an integer seed and a positive scale (default 1)", () => {
    expect(parseSynthCliOptions({ out: "x", seed: "3" })).toEqual({ out: "x", seed: 3, scale: 1 });
    expect(parseSynthCliOptions({ out: "x", seed: 0, scale: "2.5" })).toEqual({
      out: "x",
      seed: 0,
      scale: 2.5,
    });
  });

  it("rejects a bad seed, scale or output folder with the field named", () => {
    expect(() => parseSynthCliOptions({ out: "x", seed: "1.5" })).toThrow(
      '--seed must be a non-negative integer, got "1.5"',
    );
    expect(() => parseSynthCliOptions({ out: "x", seed: 1, scale: "0" })).toThrow(
      '--scale must be a positive number, got "0"',
    );
    expect(() => parseSynthCliOptions({ out: " ", seed: 1 })).toThrow("--out must name a directory");
  });
});

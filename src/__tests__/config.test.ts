import { loadConfig } from "../config";

describe("loadConfig: LOGOLAB_SERVE_INFERENCE_THREAD", () => {
  it("runs inference forward passes in a worker thread by default", () => {
    expect(loadConfig({}, "/srv").isInferenceThreadEnabled).toBe(true);
  });

  it.each([
    ["false", false],
    ["0", false],
    ["off", false],
    ["true", true],
    ["1", true],
  ])("reads %s as %s", (raw, expected) => {
    expect(loadConfig({ LOGOLAB_SERVE_INFERENCE_THREAD: raw }, "/srv").isInferenceThreadEnabled).toBe(
      expected,
    );
  });

  it("refuses anything but a boolean", () => {
    expect(() => loadConfig({ LOGOLAB_SERVE_INFERENCE_THREAD: "maybe" }, "/srv")).toThrow(
      'LOGOLAB_SERVE_INFERENCE_THREAD must be true or false, got "maybe"',
    );
  });
});

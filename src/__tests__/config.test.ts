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

describe("loadConfig: LOGOLAB_SHUTDOWN_TIMEOUT_MS", () => {
  it("gives a stop 20 s by default", () => {
    expect(loadConfig({}, "/srv").shutdownTimeoutMs).toBe(20_000);
  });

  it("reads milliseconds", () => {
    expect(loadConfig({ LOGOLAB_SHUTDOWN_TIMEOUT_MS: "1500" }, "/srv").shutdownTimeoutMs).toBe(1500);
  });

  it("refuses less than 100 ms", () => {
    expect(() => loadConfig({ LOGOLAB_SHUTDOWN_TIMEOUT_MS: "50" }, "/srv")).toThrow(
      'LOGOLAB_SHUTDOWN_TIMEOUT_MS must be an integer ≥ 100, got "50"',
    );
  });
});

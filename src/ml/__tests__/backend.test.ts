import * as tf from "@tensorflow/tfjs";
import { activeBackend, selectBackend } from "../backend";

describe("selectBackend", () => {
  it("falls back past the missing native packages to wasm and says why", async () => {
    const selection = await selectBackend("auto");
    expect(selection.backend).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
    expect(activeBackend()).toBe("wasm");
    expect(selection.attempts.map((a) => a.backend)).toEqual(["tensorflow-gpu", "tensorflow"]);
    expect(selection.attempts[0].error).toContain("Cannot find module '@tensorflow/tfjs-node-gpu'");
  });

  it("registers the wasm Conv2DBackpropFilter kernel when wasm is chosen", async () => {
    await selectBackend("wasm");
    expect(tf.getKernel("Conv2DBackpropFilter", "wasm")).toBeDefined();
  });

  it("is idempotent: the same preference returns the same selection", async () => {
    const first = selectBackend("auto");
    expect(selectBackend("auto")).toBe(first);
    await first;
  });

  it("honours an explicit cpu preference", async () => {
    expect((await selectBackend("cpu")).backend).toBe("cpu");
    expect(activeBackend()).toBe("cpu");
    await selectBackend("auto");
  });

  it("falls back from an unavailable native preference down the order", async () => {
    const selection = await selectBackend("tensorflow");
    expect(selection.backend).toBe("wasm");
    expect(selection.attempts.map((a) => a.backend)).toEqual(["tensorflow"]);
  });
});

import { createServer, type Server } from "node:http";
import { readFile, mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "../../../errors";
import { selectBackend } from "../../backend";
import { fileModelHandler } from "../../modelFiles";
import { alexnetLite } from "../alexnetLite";
import { loadPretrainedWeights } from "../pretrainedWeights";
import { resnet18v2 } from "../resnet18v2";

function outputShapes(model: tf.LayersModel): string[] {
  return model.layers.map((layer) => `${layer.name} ${JSON.stringify(layer.outputShape)}`);
}

beforeAll(() => selectBackend("auto"));

describe("alexnetLite", () => {
  it("is the article's stack: conv 96@11 s4 → pool → conv 192@5 → pool → dense 4096 → dense classes", () => {
    const model = alexnetLite({ imageSize: 96, classCount: 5, seed: 1 });
    expect(outputShapes(model)).toEqual([
      "conv1 [null,22,22,96]",
      "pool1 [null,10,10,96]",
      "conv2 [null,6,6,192]",
      "pool2 [null,2,2,192]",
      "flatten [null,768]",
      "fc1 [null,4096]",
      "head [null,5]",
    ]);
    expect(model.countParams()).toBe(34944 + 460992 + 3149824 + 20485);
    model.dispose();
  });

  it("rejects imageSize below 96 with a ValidationError that explains why", () => {
    expect(() => alexnetLite({ imageSize: 95, classCount: 2, seed: 1 })).toThrow(ValidationError);
    expect(() => alexnetLite({ imageSize: 95, classCount: 2, seed: 1 })).toThrow(
      "ALEXNET_LITE needs imageSize ≥ 96 (its valid-padding layers shrink smaller inputs to nothing), got 95",
    );
  });

  it("builds identical weights from the same seed and different ones from another", () => {
    const [a, b, c] = [1, 1, 2].map((seed) => alexnetLite({ imageSize: 96, classCount: 2, seed }));
    const firstKernel = (m: tf.LayersModel) => m.getLayer("conv1").getWeights()[0].dataSync().slice(0, 8);
    expect(firstKernel(a)).toEqual(firstKernel(b));
    expect(firstKernel(a)).not.toEqual(firstKernel(c));
    [a, b, c].forEach((m) => m.dispose());
  });
});

describe("resnet18v2", () => {
  it("rejects inputs below 64 px", () => {
    expect(() => resnet18v2({ imageSize: 63, classCount: 3, seed: 1 })).toThrow(
      "RESNET18_V2 needs imageSize ≥ 64, got 63",
    );
  });
});

describe("loadPretrainedWeights", () => {
  let directory: string;
  let server: Server;
  let source: tf.LayersModel;

  beforeAll(async () => {
    directory = await mkdtemp(path.join(os.tmpdir(), "logolab-weights-"));
    source = resnet18v2({ imageSize: 64, classCount: 10, seed: 11 });
    await source.save(fileModelHandler(directory));
    server = createServer((request, response) => {
      readFile(path.join(directory, path.basename(request.url ?? "")))
        .then((bytes) => response.end(bytes))
        .catch(() => response.writeHead(404).end());
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });

  afterAll(async () => {
    source.dispose();
    await new Promise((resolve) => server.close(resolve));
    await rm(directory, { recursive: true, force: true });
  });

  it("builds a pre-activation ResNet-18 that maps [B,64,64,3] to class probabilities", () => {
    const output = tf.tidy(
      () => (source.predict(tf.ones([2, 64, 64, 3])) as tf.Tensor).arraySync() as number[][],
    );
    expect(output).toHaveLength(2);
    expect(output[0].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(source.getLayer("stage4_block2_add").outputShape).toEqual([null, 2, 2, 512]);
    expect(source.getLayer("stage2_block1_shortcut").outputShape).toEqual([null, 8, 8, 128]);
  });

  function sameBackboneWeights(model: tf.LayersModel): boolean {
    const expected = source.getLayer("stage3_block1_conv1").getWeights()[0].dataSync();
    const actual = model.getLayer("stage3_block1_conv1").getWeights()[0].dataSync();
    return tf.util.arraysEqual(expected, actual);
  }

  it("loads every backbone weight from a file path and keeps the new head of another class count", async () => {
    const model = resnet18v2({ imageSize: 64, classCount: 4, seed: 99 });
    expect(sameBackboneWeights(model)).toBe(false);
    const report = await loadPretrainedWeights(model, `file://${directory}`);
    expect(sameBackboneWeights(model)).toBe(true);
    expect(report.skipped).toEqual(["head/kernel", "head/bias"]);
    expect(report.loaded.length).toBe(model.weights.length - 2);
    model.dispose();
  });

  it("loads from an http URL of model.json", async () => {
    const { port } = server.address() as AddressInfo;
    const model = resnet18v2({ imageSize: 64, classCount: 4, seed: 98 });
    await loadPretrainedWeights(model, `http://127.0.0.1:${port}/model.json`);
    expect(sameBackboneWeights(model)).toBe(true);
    model.dispose();
  });

  it("refuses weights of another architecture", async () => {
    const model = alexnetLite({ imageSize: 96, classCount: 4, seed: 1 });
    await expect(loadPretrainedWeights(model, directory)).rejects.toThrow("no weight in");
    model.dispose();
  });
});

import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import sharp from "sharp";
import { selectBackend } from "../../backend";
import type { LabeledImage } from "../../batches";
import type { FeatureCacheKey } from "../../featureCache";
import {
  findTapNode,
  gridSizeOf,
  loadMobileNetV2MidBackbone,
  MOBILENET_V2_MID_BACKBONE_ID,
  MOBILENET_V2_MID_TAP,
  withFlexibleInputShape,
  type SpatialBackbone,
} from "../../models/graphBackbone";
import { cachedFeatureMaps, dequantizeRelu6, extractFeatureMaps, quantizeRelu6 } from "../featureMaps";

async function image(width: number, height: number, rgb: [number, number, number]): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .composite([
      {
        input: await sharp({
          create: { width: 16, height: 16, channels: 3, background: { r: 255, g: 255, b: 255 } },
        })
          .png()
          .toBuffer(),
        left: 4,
        top: 4,
      },
    ])
    .png()
    .toBuffer();
}

describe("MobileNetV2-1.4 graph backbone and feature maps", () => {
  let backbone: SpatialBackbone;
  let items: LabeledImage[];
  let directory: string;

  beforeAll(async () => {
    await selectBackend("auto");
    backbone = await loadMobileNetV2MidBackbone();
    items = [
      { source: await image(96, 64, [200, 30, 30]), label: 1 },
      { source: await image(50, 80, [30, 200, 30]), label: 0 },
      { source: await image(64, 64, [30, 30, 200]), label: 1 },
    ];
    directory = await mkdtemp(path.join(os.tmpdir(), "logolab-maps-"));
  }, 60_000);

  afterAll(async () => {
    backbone?.dispose();
    await rm(directory, { recursive: true, force: true });
  });

  it("rewrites the fixed input placeholder to any size and finds taps by their name's tail", () => {
    const topology = {
      node: [
        {
          name: "input",
          op: "Placeholder",
          attr: {
            shape: { shape: { dim: [{ size: "-1" }, { size: "224" }, { size: "224" }, { size: "3" }] } },
          },
        },
        { name: "prefix/MobilenetV2/expanded_conv_13/expand/Relu6", op: "Relu6" },
      ],
    };
    const flexible = withFlexibleInputShape(topology);
    expect(flexible.node[0].attr).toEqual({
      shape: { shape: { dim: [{ size: "-1" }, { size: "-1" }, { size: "-1" }, { size: "3" }] } },
    });
    expect(JSON.stringify(topology.node[0])).toContain('"224"');
    expect(findTapNode(flexible, MOBILENET_V2_MID_TAP)).toBe(topology.node[1].name);
    expect(() => findTapNode(flexible, "no/such/node")).toThrow(/unknown backbone tap/);
  });

  it("maps any input size at stride 16 with 816 channels and leaks no tensors", async () => {
    expect(backbone).toMatchObject({ id: MOBILENET_V2_MID_BACKBONE_ID, channels: 816, stride: 16 });
    const before = tf.memory().numTensors;
    for (const size of [64, 80]) {
      const map = tf.tidy(() => backbone.featureMap(tf.zeros([2, size, size, 3])));
      expect(map.shape).toEqual([2, gridSizeOf(size, 16), gridSizeOf(size, 16), 816]);
      map.dispose();
    }
    const maps = await extractFeatureMaps(backbone, items, { imageSize: 64, batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(maps).toMatchObject({ itemCount: 3, grid: 4, channels: 816 });
    expect(Array.from(maps.widths)).toEqual([96, 50, 64]);
    expect(Array.from(maps.heights)).toEqual([64, 80, 64]);
    expect(maps.maps.length).toBe(3 * 16 * 816);
    // Batching does not change an image's map: the third image alone gives the same bytes.
    const alone = await extractFeatureMaps(backbone, [items[2]], { imageSize: 64, batchSize: 1 });
    const perImage = 16 * 816;
    let largest = 0;
    for (let i = 0; i < perImage; i++)
      largest = Math.max(largest, Math.abs(alone.maps[i] - maps.maps[2 * perImage + i]));
    expect(largest).toBeLessThanOrEqual(1);
    expect(maps.maps.some((b) => b > 0)).toBe(true);
  });

  it("quantises ReLU6 activations to bytes and caches maps on disk by key", async () => {
    const bytes = new Uint8Array(4);
    quantizeRelu6([-1, 0, 3, 7], bytes, 0);
    expect(Array.from(bytes)).toEqual([0, 0, 128, 255]);
    expect(dequantizeRelu6(255)).toBe(6);
    const key: FeatureCacheKey = {
      datasetVersion: "v1",
      split: "train",
      backboneId: backbone.id,
      taps: [backbone.tap],
      imageSize: 64,
      augmentations: [],
      views: 1,
      seed: 0,
    };
    const first = await cachedFeatureMaps(directory, key, backbone, items);
    const second = await cachedFeatureMaps(directory, key, backbone, items);
    expect(first.isFromCache).toBe(false);
    expect(second.isFromCache).toBe(true);
    expect(Buffer.compare(Buffer.from(first.maps), Buffer.from(second.maps))).toBe(0);
    expect(Array.from(second.widths)).toEqual([96, 50, 64]);
    const other = await cachedFeatureMaps(directory, { ...key, imageSize: 80 }, backbone, items);
    expect(other).toMatchObject({ isFromCache: false, grid: 5 });
  });
});

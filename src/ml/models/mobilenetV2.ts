import { createRequire } from "node:module";
import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "../../errors";
import { fileModelHandler, sha256Hex, WEIGHTS_BIN } from "../modelFiles";
import { createRandom } from "../random";

/** sha256 of the decoded uint8-quantised weights that nsfwjs@4.3.0 ships for MobileNetV2. */
export const NSFWJS_MOBILENET_V2_WEIGHTS_SHA256 =
  "8e7dddbb16acacc1bf1601b1b8a761e730ff934b7f2d7771312b2f000e5f5f13";
/** Identifies the backbone weights in cache keys and manifests. */
export const MOBILENET_V2_BACKBONE_ID = "nsfwjs@4.3.0/mobilenet_v2";
/** The layer whose pooled output is the 1280-d embedding; mid-network taps are e.g. `block_13_expand_relu`. */
export const MOBILENET_V2_FINAL_TAP = "out_relu";
export const MOBILENET_V2_MIN_IMAGE_SIZE = 32;

/** nsfwjs's bundles are CommonJS modules outside its `exports` map: load them by absolute path. */
const requireBundle = createRequire(__filename);

interface KerasLayerJson {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}
interface KerasModelTopology {
  model_config: {
    class_name: string;
    config: { layers: KerasLayerJson[]; input_layers: unknown; output_layers: unknown };
  };
  training_config?: unknown;
}

function nsfwjsModelDir(): string {
  return path.join(path.dirname(requireBundle.resolve("nsfwjs")), "..", "models", "mobilenet_v2");
}

function cachedModelDir(cacheDir: string): string {
  return path.join(cacheDir, "models", "nsfwjs-4.3.0-mobilenet_v2");
}

async function hasVerifiedCopy(directory: string): Promise<boolean> {
  try {
    return (
      sha256Hex(await readFile(path.join(directory, WEIGHTS_BIN))) === NSFWJS_MOBILENET_V2_WEIGHTS_SHA256
    );
  } catch {
    return false;
  }
}

/**
 * Decodes nsfwjs's base64 JS bundles into `model.json` + `weights.bin` under `cacheDir` (first use
 * only; later calls verify the sha256 and reuse them). Returns the directory. Throws if the bundled
 * bytes do not match {@link NSFWJS_MOBILENET_V2_WEIGHTS_SHA256} (a different nsfwjs version).
 */
export async function ensureMobileNetV2Files(cacheDir: string): Promise<string> {
  const directory = cachedModelDir(cacheDir);
  if (await hasVerifiedCopy(directory)) return directory;
  const bundleDir = nsfwjsModelDir();
  const modelJson = requireBundle(path.join(bundleDir, "model.min.js")) as {
    modelTopology: KerasModelTopology;
    weightsManifest: tf.io.WeightsManifestConfig;
  };
  const shard = requireBundle(path.join(bundleDir, "group1-shard1of1.min.js")) as string;
  const weightBytes = Buffer.from(shard, "base64");
  const digest = sha256Hex(weightBytes);
  if (digest !== NSFWJS_MOBILENET_V2_WEIGHTS_SHA256) {
    throw new Error(
      `nsfwjs MobileNetV2 weights have sha256 ${digest}, expected ${NSFWJS_MOBILENET_V2_WEIGHTS_SHA256}`,
    );
  }
  await mkdir(directory, { recursive: true });
  await fileModelHandler(directory).save!({
    modelTopology: modelJson.modelTopology as unknown as tf.io.ModelArtifacts["modelTopology"],
    weightSpecs: tf.io.getWeightSpecs(modelJson.weightsManifest),
    weightData: weightBytes.buffer.slice(
      weightBytes.byteOffset,
      weightBytes.byteOffset + weightBytes.byteLength,
    ),
    format: "layers-model",
  });
  return directory;
}

/** Options of {@link loadMobileNetV2Backbone}. */
export interface MobileNetV2BackboneOptions {
  /** Where decoded weights are cached (config `cacheDir`). */
  cacheDir: string;
  /** Square input side in pixels (the weights were trained at 224; any size ≥ 32 runs). */
  imageSize: number;
  /** Layers whose outputs are global-average-pooled and concatenated; default `["out_relu"]` (1280-d). */
  taps?: string[];
}

function truncatedTopology(
  topology: KerasModelTopology,
  imageSize: number,
  lastLayer: string,
): KerasModelTopology {
  const layers = topology.model_config.config.layers;
  const lastIndex = layers.findIndex((layer) => layer.name === lastLayer);
  const kept = layers
    .slice(0, lastIndex + 1)
    .map((layer) =>
      layer.class_name === "InputLayer"
        ? { ...layer, config: { ...layer.config, batch_input_shape: [null, imageSize, imageSize, 3] } }
        : layer,
    );
  return {
    model_config: {
      ...topology.model_config,
      config: { ...topology.model_config.config, layers: kept, output_layers: [[lastLayer, 0, 0]] },
    },
  };
}

/**
 * Loads nsfwjs's MobileNetV2 as a frozen feature extractor: input `[B, s, s, 3]` scaled to [0, 1],
 * output `[B, D]` = the concatenated global-average-pooled `taps` (D = 1280 for `out_relu`). The
 * classifier layers nsfwjs trained are cut off.
 */
export async function loadMobileNetV2Backbone(options: MobileNetV2BackboneOptions): Promise<tf.LayersModel> {
  const { cacheDir, imageSize, taps = [MOBILENET_V2_FINAL_TAP] } = options;
  if (!Number.isInteger(imageSize) || imageSize < MOBILENET_V2_MIN_IMAGE_SIZE) {
    throw new ValidationError(
      `MOBILENET_V2 needs imageSize ≥ ${MOBILENET_V2_MIN_IMAGE_SIZE}, got ${imageSize}`,
      {
        field: "imageSize",
      },
    );
  }
  const artifacts = await fileModelHandler(await ensureMobileNetV2Files(cacheDir)).load!();
  const topology = artifacts.modelTopology as unknown as KerasModelTopology;
  const layerNames = topology.model_config.config.layers.map((layer) => layer.name);
  const unknownTap = taps.find((tap) => !layerNames.includes(tap));
  if (unknownTap !== undefined || taps.length === 0) {
    throw new ValidationError(`unknown MobileNetV2 tap ${JSON.stringify(unknownTap)}`, { field: "taps" });
  }
  const deepestTap = taps.reduce((a, b) => (layerNames.indexOf(a) > layerNames.indexOf(b) ? a : b));
  const base = await tf.loadLayersModel(
    tf.io.fromMemory({
      ...artifacts,
      modelTopology: truncatedTopology(
        topology,
        imageSize,
        deepestTap,
      ) as unknown as tf.io.ModelArtifacts["modelTopology"],
    }),
    { strict: false },
  );
  const pooled = taps.map(
    (tap) =>
      tf.layers
        .globalAveragePooling2d({ name: `${tap}_pool` })
        .apply(base.getLayer(tap).output) as tf.SymbolicTensor,
  );
  const features =
    pooled.length === 1
      ? pooled[0]
      : (tf.layers.concatenate({ name: "taps" }).apply(pooled) as tf.SymbolicTensor);
  const backbone = tf.model({ inputs: base.inputs, outputs: features, name: "mobilenet_v2_backbone" });
  backbone.trainable = false;
  return backbone;
}

/**
 * The new classifier trained on backbone features: `[B, featureSize]` → Dense `classCount` softmax
 * (a linear probe; cheap enough to train many epochs on cached features).
 */
export function mobilenetV2Head(featureSize: number, classCount: number, seed: number): tf.LayersModel {
  const random = createRandom(seed);
  return tf.sequential({
    name: "mobilenet_v2_head",
    layers: [
      tf.layers.dense({
        inputShape: [featureSize],
        units: classCount,
        activation: "softmax",
        kernelInitializer: tf.initializers.glorotUniform({ seed: random.seed() }),
        name: "head",
      }),
    ],
  });
}

/**
 * Backbone and head as one flat inference model `[B, s, s, 3]` → `[B, classCount]` (a copy of the
 * head's Dense layer on the backbone's output, so it saves as a plain layers model). The model
 * shares the backbone's layers: release it with `release()`, never `dispose()`.
 */
export function composeBackboneAndHead(
  backbone: tf.LayersModel,
  head: tf.LayersModel,
): { model: tf.LayersModel; release: () => void } {
  const source = head.getLayer("head");
  const config = source.getConfig();
  const dense = tf.layers.dense({
    units: config.units as number,
    activation: "softmax",
    name: "head",
  });
  const output = dense.apply(backbone.outputs[0]) as tf.SymbolicTensor;
  dense.setWeights(source.getWeights());
  const model = tf.model({ inputs: backbone.inputs, outputs: output, name: "mobilenet_v2_classifier" });
  return { model, release: () => void dense.dispose() };
}

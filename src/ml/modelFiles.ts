import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";

/** File names of a tfjs layers model on disk (the format `tensorflowjs_converter` writes). */
export const MODEL_JSON = "model.json";
export const WEIGHTS_BIN = "weights.bin";

/** sha256 hex of bytes. */
export function sha256Hex(bytes: Uint8Array | ArrayBuffer): string {
  return createHash("sha256")
    .update(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))
    .digest("hex");
}

function joinWeightData(weightData: tf.io.WeightData | undefined): ArrayBuffer {
  return weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(weightData);
}

// Write to a temporary name then rename, so a crash never leaves a half-written model behind.
async function writeAtomically(filePath: string, data: string | Uint8Array): Promise<void> {
  const temporary = `${filePath}.${process.pid}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, filePath);
}

/**
 * A tfjs `IOHandler` that saves/loads a layers model as `model.json` + one `weights.bin` in `directory`
 * (tfjs-node's `file://` handler is unavailable without tfjs-node). `load()` also reads models whose
 * manifest lists several shard files.
 */
export function fileModelHandler(directory: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      await mkdir(directory, { recursive: true });
      const weightBytes = new Uint8Array(joinWeightData(artifacts.weightData));
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: artifacts.format ?? "layers-model",
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
      };
      if (artifacts.trainingConfig !== undefined) modelJson.trainingConfig = artifacts.trainingConfig;
      if (artifacts.userDefinedMetadata !== undefined)
        modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
      await writeAtomically(path.join(directory, WEIGHTS_BIN), weightBytes);
      await writeAtomically(path.join(directory, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const modelJson = JSON.parse(
        await readFile(path.join(directory, MODEL_JSON), "utf8"),
      ) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const shards: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const shard of group.paths) {
            const bytes = await readFile(path.join(directory, shard));
            shards.push(
              bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
            );
          }
        }
        return [tf.io.getWeightSpecs(manifest), tf.io.CompositeArrayBuffer.join(shards)];
      });
    },
  };
}

/** An `IOHandler` for a `file://` path, a plain path, or an `http(s)://` URL of a `model.json`. */
export function modelHandlerFor(pathOrUrl: string): tf.io.IOHandler {
  if (/^https?:\/\//i.test(pathOrUrl)) return tf.io.http(pathOrUrl);
  const filePath = pathOrUrl.startsWith("file://") ? new URL(pathOrUrl).pathname : pathOrUrl;
  return fileModelHandler(filePath.endsWith(MODEL_JSON) ? path.dirname(filePath) : filePath);
}

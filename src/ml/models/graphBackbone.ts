import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { ValidationError } from "../../errors";
import { sha256Hex } from "../modelFiles";

/** Identifies nsfwjs's MobileNetV2-1.4 graph (TF-Hub ImageNet feature vector) in cache keys and manifests. */
export const MOBILENET_V2_MID_BACKBONE_ID = "nsfwjs@4.3.0/mobilenet_v2_mid";
/** The mid-network tap the localizer reads: stride 16, 816 channels, ReLU6 (values in [0, 6]). */
export const MOBILENET_V2_MID_TAP = "MobilenetV2/expanded_conv_13/expand/Relu6";
/** Largest activation of a ReLU6 tap: the top of the uint8 quantisation range. */
export const RELU6_MAX = 6;

/** nsfwjs's bundles are CommonJS modules outside its `exports` map: load them by absolute path. */
const requireBundle = createRequire(__filename);

interface GraphNode {
  name: string;
  op: string;
  attr?: Record<string, unknown>;
}
interface GraphTopology {
  node: GraphNode[];
  versions?: unknown;
}

/**
 * A copy of a graph topology whose `Placeholder` nodes accept any batch, height and width
 * (`[-1, -1, -1, C]`); nsfwjs's is fixed at 224. Pure: the input is not modified.
 */
export function withFlexibleInputShape(topology: GraphTopology): GraphTopology {
  return {
    ...topology,
    node: topology.node.map((node) => {
      if (node.op !== "Placeholder") return node;
      const shape = (node.attr?.shape as { shape?: { dim?: { size: string }[] } } | undefined)?.shape;
      const dims = shape?.dim;
      if (dims === undefined || dims.length !== 4) return node;
      const channels = dims[3];
      return {
        ...node,
        attr: {
          ...node.attr,
          shape: { shape: { dim: [{ size: "-1" }, { size: "-1" }, { size: "-1" }, channels] } },
        },
      };
    }),
  };
}

/** The graph node whose name is `tap` or ends in `/tap`; throws a `ValidationError` naming it otherwise. */
export function findTapNode(topology: GraphTopology, tap: string): string {
  const match = topology.node.find((node) => node.name === tap || node.name.endsWith(`/${tap}`));
  if (match === undefined)
    throw new ValidationError(`unknown backbone tap ${JSON.stringify(tap)}`, { field: "tap" });
  return match.name;
}

/** A frozen backbone that maps images to a spatial feature map at one tap. */
export interface SpatialBackbone {
  readonly id: string;
  readonly tap: string;
  /** Channels of the tap's map. */
  readonly channels: number;
  /** Input pixels per map cell along each side (the map of an s-pixel input is ⌈s / stride⌉ cells). */
  readonly stride: number;
  /** `[B, s, s, 3]` in [0, 1] → `[B, ⌈s/stride⌉, ⌈s/stride⌉, channels]`; the caller disposes the result. */
  featureMap(images: tf.Tensor4D): tf.Tensor4D;
  /** The map at another graph node (`findTapNode` naming); the caller disposes the result. */
  featureMapAt(images: tf.Tensor4D, tap: string): tf.Tensor4D;
  /** The graph constant whose node name is `name` or ends in `/name` (owned by the backbone: do not dispose). */
  weight(name: string): tf.Tensor;
  dispose(): void;
}

/** Cells per side of the map of an `imageSize`-pixel input. */
export function gridSizeOf(imageSize: number, stride: number): number {
  return Math.ceil(imageSize / stride);
}

interface GraphBundle {
  modelTopology: GraphTopology;
  weightsManifest: tf.io.WeightsManifestConfig;
}

let cachedArtifacts: tf.io.ModelArtifacts | undefined;
let cachedTopology: GraphTopology | undefined;

/** nsfwjs's MobileNetV2-1.4 graph as in-memory artifacts with a flexible input shape (decoded once per process). */
function midArtifacts(): { artifacts: tf.io.ModelArtifacts; topology: GraphTopology } {
  if (cachedArtifacts !== undefined && cachedTopology !== undefined)
    return { artifacts: cachedArtifacts, topology: cachedTopology };
  const bundleDir = path.join(
    path.dirname(requireBundle.resolve("nsfwjs")),
    "..",
    "models",
    "mobilenet_v2_mid",
  );
  const bundle = requireBundle(path.join(bundleDir, "model.min.js")) as GraphBundle;
  const shards = bundle.weightsManifest[0].paths.map((shard) =>
    Buffer.from(requireBundle(path.join(bundleDir, `${shard}.min.js`)) as string, "base64"),
  );
  const weights = Buffer.concat(shards);
  const topology = withFlexibleInputShape(bundle.modelTopology);
  cachedTopology = topology;
  cachedArtifacts = {
    modelTopology: topology as unknown as tf.io.ModelArtifacts["modelTopology"],
    weightSpecs: bundle.weightsManifest.flatMap((group) => group.weights),
    weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    format: "graph-model",
  };
  return { artifacts: cachedArtifacts, topology };
}

/** sha256 of the decoded weights of the mid graph (recorded in manifests for provenance). */
export function mobilenetV2MidWeightsSha256(): string {
  return sha256Hex(midArtifacts().artifacts.weightData as ArrayBuffer);
}

/**
 * Loads nsfwjs's MobileNetV2-1.4 graph model from memory (input rewritten to `[-1, -1, -1, 3]`, so
 * any input size runs) as a frozen {@link SpatialBackbone} at `tap` (default
 * {@link MOBILENET_V2_MID_TAP}). The graph rescales [0, 1] input to [-1, 1] itself.
 */
export async function loadMobileNetV2MidBackbone(tap = MOBILENET_V2_MID_TAP): Promise<SpatialBackbone> {
  const { artifacts, topology } = midArtifacts();
  const node = findTapNode(topology, tap);
  const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
  const probe = tf.tidy(() => model.execute(tf.zeros([1, 32, 32, 3]), node) as tf.Tensor4D);
  const [, height, , channels] = probe.shape;
  probe.dispose();
  const resolvedTaps = new Map<string, string>();
  return {
    id: MOBILENET_V2_MID_BACKBONE_ID,
    tap,
    channels,
    stride: 32 / height,
    featureMap: (images) => model.execute(images, node) as tf.Tensor4D,
    featureMapAt(images, other) {
      // Resolved once per tap: serving asks for the same node on every forward pass.
      let otherNode = resolvedTaps.get(other);
      if (otherNode === undefined) {
        otherNode = findTapNode(topology, other);
        resolvedTaps.set(other, otherNode);
      }
      return model.execute(images, otherNode) as tf.Tensor4D;
    },
    weight(name) {
      const key = Object.keys(model.weights).find((k) => k === name || k.endsWith(`/${name}`));
      if (key === undefined) throw new Error(`the backbone has no weight ${JSON.stringify(name)}`);
      return model.weights[key][0];
    },
    dispose: () => model.dispose(),
  };
}

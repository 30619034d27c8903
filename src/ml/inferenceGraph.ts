/**
 * An inference compiler for tfjs-layers models: turns a loaded `LayersModel` into a flat plan of
 * tensor ops for prediction only. BatchNormalization layers are folded into the Conv2D /
 * DepthwiseConv2D / Dense before them, ReLU / ReLU6 / linear / ELU activations run inside that op
 * (`tf.fused.*`), and a ZeroPadding2D before a 'valid' convolution becomes the convolution's
 * explicit padding. On wasm this removes a full pass over the activations per folded or fused
 * layer plus the layers engine's per-layer bookkeeping. Layers the compiler does not know run
 * unchanged through `layer.apply`, so every model still predicts.
 */
import * as tf from "@tensorflow/tfjs";
import { foldBatchNorm, type BatchNormParameters } from "./batchNormFolding";

type Layer = tf.layers.Layer;
type GraphNode = Layer["inboundNodes"][number];
type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/** Activations every backend's fused conv / matMul kernels apply in the same pass (wasm has these and more). */
type FusedActivation = "linear" | "relu" | "relu6" | "elu";
const FUSED_ACTIVATIONS: ReadonlySet<string> = new Set<FusedActivation>(["linear", "relu", "relu6", "elu"]);
/** Layer activations that have no fused kernel but a plain op with tfjs-layers' semantics. */
const SEPARATE_ACTIVATIONS: ReadonlyMap<string, (x: tf.Tensor) => tf.Tensor> = new Map([
  ["softmax", (x: tf.Tensor) => tf.softmax(x, -1)],
  ["sigmoid", (x: tf.Tensor) => tf.sigmoid(x)],
  ["tanh", (x: tf.Tensor) => tf.tanh(x)],
]);
/** Activation layers run on their own (nothing to fuse them into). */
const STANDALONE_ACTIVATIONS: ReadonlyMap<string, (x: tf.Tensor) => tf.Tensor> = new Map([
  ["linear", (x: tf.Tensor) => x],
  ["relu", (x: tf.Tensor) => tf.relu(x)],
  ["relu6", (x: tf.Tensor) => tf.relu6(x)],
  ["elu", (x: tf.Tensor) => tf.elu(x)],
  ...SEPARATE_ACTIVATIONS,
]);
const LINEAR_OP_KINDS: ReadonlyMap<string, LinearOp["kind"]> = new Map([
  ["Conv2D", "conv2d"],
  ["DepthwiseConv2D", "depthwiseConv2d"],
  ["Dense", "dense"],
]);

/** What {@link compileForInference} did to a model. */
export interface CompileSummary {
  /** BatchNormalization layers folded into the Conv2D / DepthwiseConv2D / Dense before them. */
  foldedBatchNorms: number;
  /** ReLU / Activation layers run inside the fused op before them. */
  fusedActivations: number;
  /** ZeroPadding2D layers turned into the next convolution's explicit padding. */
  mergedPaddings: number;
  /** Layers run unchanged through `layer.apply` (a type or configuration the compiler does not know). */
  fallbackLayers: string[];
  /** Ops one prediction runs (a fused op counts once). */
  stepCount: number;
}

/**
 * A prediction plan for one `LayersModel`. It borrows the model: unfolded weights and fallback layers
 * are the model's own, so the model must outlive it (dispose this first, then the model). It owns
 * only the folded weights it created, which {@link CompiledModel.dispose} frees. Weights changed on
 * the model after compiling are not seen by folded layers: compile the final weights.
 */
export interface CompiledModel {
  /**
   * `batch` `[B, H, W, C]` (the model's input) → the model's output `[B, K]`, as `model.predict`
   * computes it up to float rounding. Runs in `tf.tidy`; only the returned tensor outlives the call
   * and `batch` stays the caller's.
   */
  predict(batch: tf.Tensor4D): tf.Tensor2D;
  /** Bytes of the tensors this plan owns (the folded weights), on top of the model's own weights. */
  readonly weightBytes: number;
  readonly summary: CompileSummary;
  /** Frees the folded weights; the model is left to its owner. */
  dispose(): void;
}

/** One op of the plan: reads values by symbolic-tensor id, writes its outputs' ids. */
interface PlanStep {
  inputIds: number[];
  outputIds: number[];
  /** Ids whose last reader is this step, freed right after it (keeps peak memory at `model.predict`'s). */
  lastUseIds: number[];
  run(inputs: tf.Tensor[]): tf.Tensor[];
}

/** The model's nodes reachable from its output, in topological order, and who reads each tensor. */
interface LayerGraph {
  nodes: GraphNode[];
  inputId: number;
  outputId: number;
  /** Symbolic-tensor id → the nodes reading it, once per input slot. */
  readers: Map<number, GraphNode[]>;
}

/** A Conv2D, DepthwiseConv2D or Dense the compiler can run as one fused op. */
interface LinearOp {
  kind: "conv2d" | "depthwiseConv2d" | "dense";
  kernel: tf.Tensor;
  bias?: tf.Tensor1D;
  strides: [number, number];
  dilations: [number, number];
  padding: "same" | "valid";
  activation: string;
}

/** Mutable state of one compilation. */
interface Compilation {
  graph: LayerGraph;
  linearOps: Map<GraphNode, LinearOp>;
  /** Nodes run inside another node's step. */
  absorbed: Set<GraphNode>;
  /** Convolutions that take a merged ZeroPadding2D's input and padding. */
  mergedPaddings: Map<GraphNode, { inputId: number; padding: ExplicitPadding }>;
  ownedTensors: tf.Tensor[];
  summary: CompileSummary;
}

/**
 * Compiles `model` (one input `[B, H, W, C]`, one output `[B, K]`; functional or Sequential) into a
 * {@link CompiledModel}. Folded weights are computed once, here, in float64 from the model's current
 * weights. Throws for models with several inputs or outputs.
 */
export function compileForInference(model: tf.LayersModel): CompiledModel {
  const graph = readLayerGraph(model);
  const compilation: Compilation = {
    graph,
    linearOps: new Map(),
    absorbed: new Set(),
    mergedPaddings: new Map(),
    ownedTensors: [],
    summary: {
      foldedBatchNorms: 0,
      fusedActivations: 0,
      mergedPaddings: 0,
      fallbackLayers: [],
      stepCount: 0,
    },
  };
  for (const node of graph.nodes) {
    const op = readLinearOp(node);
    if (op !== undefined) compilation.linearOps.set(node, op);
  }
  planPaddingMerges(compilation);
  const steps: PlanStep[] = [];
  for (const node of graph.nodes) {
    if (!compilation.absorbed.has(node)) steps.push(compileNode(node, compilation));
  }
  markLastUses(steps, graph);
  compilation.summary.stepCount = steps.length;
  const owned = compilation.ownedTensors;
  return {
    predict: (batch) => runPlan(steps, graph, batch),
    weightBytes: owned.reduce((sum, tensor) => sum + tensor.size * 4, 0),
    summary: compilation.summary,
    dispose: () => tf.dispose(owned),
  };
}

function readLayerGraph(model: tf.LayersModel): LayerGraph {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new Error(
      `compileForInference needs one input and one output; ${model.name} has ${model.inputs.length} and ${model.outputs.length}`,
    );
  }
  const inputId = model.inputs[0].id;
  const nodes: GraphNode[] = [];
  const visited = new Set<GraphNode>();
  const visit = (tensor: tf.SymbolicTensor): void => {
    if (tensor.id === inputId) return;
    const node = tensor.sourceLayer.inboundNodes[tensor.nodeIndex];
    if (visited.has(node)) return;
    visited.add(node);
    if (node.inputTensors.length === 0) {
      throw new Error(
        `${model.name}: layer ${node.outboundLayer.name} is an input the model does not declare`,
      );
    }
    node.inputTensors.forEach(visit);
    nodes.push(node);
  };
  visit(model.outputs[0]);
  const readers = new Map<number, GraphNode[]>();
  for (const node of nodes) {
    for (const input of node.inputTensors) readers.set(input.id, [...(readers.get(input.id) ?? []), node]);
  }
  return { nodes, inputId, outputId: model.outputs[0].id, readers };
}

/** The one node reading `tensor` as its only input, when nothing else (nor the model's output) reads it. */
function soleReader(graph: LayerGraph, tensor: tf.SymbolicTensor): GraphNode | undefined {
  const readers = graph.readers.get(tensor.id) ?? [];
  if (tensor.id === graph.outputId || readers.length !== 1) return undefined;
  return readers[0].inputTensors.length === 1 ? readers[0] : undefined;
}

function classOf(node: GraphNode): string {
  return node.outboundLayer.getClassName();
}

function configOf(node: GraphNode): tf.serialization.ConfigDict {
  return node.outboundLayer.getConfig();
}

/** The layer's weight `<scope>/<shortName>` (e.g. `kernel`, `moving_mean`), if it has exactly one. */
function weightNamed(layer: Layer, shortName: string): tf.Tensor | undefined {
  const matches = layer.weights.filter((weight) => weight.originalName.endsWith(`/${shortName}`));
  return matches.length === 1 && matches[0].dtype === "float32" ? matches[0].read() : undefined;
}

function pair(value: unknown): [number, number] | undefined {
  if (typeof value === "number") return [value, value];
  return Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "number")
    ? [value[0] as number, value[1] as number]
    : undefined;
}

/** Reads a Conv2D / DepthwiseConv2D / Dense the compiler supports (NHWC, 2-D Dense input). */
function readLinearOp(node: GraphNode): LinearOp | undefined {
  const kind = LINEAR_OP_KINDS.get(classOf(node));
  if (kind === undefined || node.inputTensors.length !== 1) return undefined;
  const config = configOf(node);
  const activation = String(config.activation ?? "linear");
  if (!FUSED_ACTIVATIONS.has(activation) && !SEPARATE_ACTIVATIONS.has(activation)) return undefined;
  const layer = node.outboundLayer;
  const kernel = weightNamed(layer, kind === "depthwiseConv2d" ? "depthwise_kernel" : "kernel");
  const bias = config.useBias === false ? undefined : weightNamed(layer, "bias");
  if (kernel === undefined || (config.useBias !== false && bias === undefined)) return undefined;
  if (kind === "dense") {
    if (node.inputTensors[0].shape.length !== 2) return undefined;
    return {
      kind,
      kernel,
      bias: bias as tf.Tensor1D | undefined,
      strides: [1, 1],
      dilations: [1, 1],
      padding: "valid",
      activation,
    };
  }
  const strides = pair(config.strides);
  const dilations = pair(config.dilationRate ?? 1);
  const padding = config.padding;
  const isNhwc = config.dataFormat === undefined || config.dataFormat === "channelsLast";
  if (
    strides === undefined ||
    dilations === undefined ||
    (padding !== "same" && padding !== "valid") ||
    !isNhwc
  ) {
    return undefined;
  }
  return { kind, kernel, bias: bias as tf.Tensor1D | undefined, strides, dilations, padding, activation };
}

/** ZeroPadding2D → 'valid' convolution pairs: the convolution pads explicitly and the pad step goes. */
function planPaddingMerges(compilation: Compilation): void {
  for (const node of compilation.graph.nodes) {
    if (classOf(node) !== "ZeroPadding2D" || !isChannelsLast(node)) continue;
    const conv = soleReader(compilation.graph, node.outputTensors[0]);
    const op = conv === undefined ? undefined : compilation.linearOps.get(conv);
    const padding = zeroPadding(node);
    const isValidConv = op !== undefined && op.kind !== "dense" && op.padding === "valid";
    if (conv === undefined || !isValidConv || padding === undefined) continue;
    compilation.mergedPaddings.set(conv, { inputId: node.inputTensors[0].id, padding });
    compilation.absorbed.add(node);
    compilation.summary.mergedPaddings++;
  }
}

function isChannelsLast(node: GraphNode): boolean {
  const dataFormat = configOf(node).dataFormat;
  return dataFormat === undefined || dataFormat === null || dataFormat === "channelsLast";
}

/** ZeroPadding2D's `[[0,0],[top,bottom],[left,right],[0,0]]`. */
function zeroPadding(node: GraphNode): ExplicitPadding | undefined {
  const padding = configOf(node).padding;
  if (!Array.isArray(padding) || padding.length !== 2) return undefined;
  const [rows, columns] = [pair(padding[0]), pair(padding[1])];
  return rows && columns ? [[0, 0], rows, columns, [0, 0]] : undefined;
}

/** The fused kernel's name for a ReLU / Activation layer, when it has one. */
function fusableActivation(node: GraphNode): FusedActivation | undefined {
  const config = configOf(node);
  if (classOf(node) === "ReLU") {
    if (config.maxValue === undefined || config.maxValue === null) return "relu";
    return config.maxValue === 6 ? "relu6" : undefined;
  }
  const activation = String(config.activation);
  return classOf(node) === "Activation" && FUSED_ACTIVATIONS.has(activation)
    ? (activation as FusedActivation)
    : undefined;
}

/** BatchNormalization over the last axis, with float32 statistics. */
function readBatchNorm(node: GraphNode): BatchNormTensors | undefined {
  if (classOf(node) !== "BatchNormalization" || node.inputTensors.length !== 1) return undefined;
  const config = configOf(node);
  const rank = node.inputTensors[0].shape.length;
  if (config.axis !== -1 && config.axis !== rank - 1) return undefined;
  const layer = node.outboundLayer;
  const gamma = config.scale === false ? undefined : weightNamed(layer, "gamma");
  const beta = config.center === false ? undefined : weightNamed(layer, "beta");
  const movingMean = weightNamed(layer, "moving_mean");
  const movingVariance = weightNamed(layer, "moving_variance");
  if (movingMean === undefined || movingVariance === undefined) return undefined;
  if ((config.scale !== false && gamma === undefined) || (config.center !== false && beta === undefined)) {
    return undefined;
  }
  return { gamma, beta, movingMean, movingVariance, epsilon: Number(config.epsilon ?? 1e-3) };
}

interface BatchNormTensors {
  gamma?: tf.Tensor;
  beta?: tf.Tensor;
  movingMean: tf.Tensor;
  movingVariance: tf.Tensor;
  epsilon: number;
}

function batchNormParameters(batchNorm: BatchNormTensors): BatchNormParameters {
  const values = (tensor: tf.Tensor | undefined) =>
    tensor === undefined ? undefined : Float32Array.from(tensor.dataSync() as Float32Array);
  return {
    gamma: values(batchNorm.gamma),
    beta: values(batchNorm.beta),
    movingMean: values(batchNorm.movingMean) as Float32Array,
    movingVariance: values(batchNorm.movingVariance) as Float32Array,
    epsilon: batchNorm.epsilon,
  };
}

function compileNode(node: GraphNode, compilation: Compilation): PlanStep {
  const op = compilation.linearOps.get(node);
  if (op !== undefined) return compileLinearOp(node, op, compilation);
  const run = simpleOp(node);
  if (run !== undefined) return step(node.inputTensors, node.outputTensors, (inputs) => [run(inputs)]);
  compilation.summary.fallbackLayers.push(node.outboundLayer.name);
  const layer = node.outboundLayer;
  // As the layers executor calls it: an array of concrete inputs, inference mode.
  return step(node.inputTensors, node.outputTensors, (inputs) => {
    const outputs = layer.apply(inputs);
    return Array.isArray(outputs) ? (outputs as tf.Tensor[]) : [outputs as tf.Tensor];
  });
}

function step(
  inputs: readonly tf.SymbolicTensor[],
  outputs: readonly tf.SymbolicTensor[],
  run: (inputs: tf.Tensor[]) => tf.Tensor[],
): PlanStep {
  return { inputIds: inputs.map((t) => t.id), outputIds: outputs.map((t) => t.id), lastUseIds: [], run };
}

/**
 * One fused op for `node` and what it absorbs: a following BatchNormalization (folded into new
 * weights the plan owns) when the op is linear, then a following ReLU / Activation.
 */
function compileLinearOp(node: GraphNode, op: LinearOp, compilation: Compilation): PlanStep {
  const { graph, summary } = compilation;
  let output = node.outputTensors[0];
  let { kernel, bias, activation } = op;
  const batchNormNode = op.activation === "linear" ? soleReader(graph, output) : undefined;
  const batchNorm = batchNormNode === undefined ? undefined : readBatchNorm(batchNormNode);
  if (batchNormNode !== undefined && batchNorm !== undefined) {
    const folded = foldBatchNorm(
      kernel.dataSync() as Float32Array,
      bias?.dataSync() as Float32Array | undefined,
      batchNormParameters(batchNorm),
    );
    kernel = tf.keep(tf.tensor(folded.kernel, kernel.shape, "float32"));
    bias = tf.keep(tf.tensor1d(folded.bias, "float32"));
    compilation.ownedTensors.push(kernel, bias);
    compilation.absorbed.add(batchNormNode);
    summary.foldedBatchNorms++;
    output = batchNormNode.outputTensors[0];
  }
  const activationNode = activation === "linear" ? soleReader(graph, output) : undefined;
  const fused = activationNode === undefined ? undefined : fusableActivation(activationNode);
  if (activationNode !== undefined && fused !== undefined) {
    activation = fused;
    compilation.absorbed.add(activationNode);
    summary.fusedActivations++;
    output = activationNode.outputTensors[0];
  }
  const merged = compilation.mergedPaddings.get(node);
  const inputId = merged?.inputId ?? node.inputTensors[0].id;
  const run = linearOpRunner({ ...op, kernel, bias, activation }, merged?.padding);
  return { inputIds: [inputId], outputIds: [output.id], lastUseIds: [], run: ([x]) => [run(x)] };
}

function linearOpRunner(op: LinearOp, explicitPadding?: ExplicitPadding): (x: tf.Tensor) => tf.Tensor {
  const isFused = FUSED_ACTIVATIONS.has(op.activation);
  const activation = (isFused ? op.activation : "linear") as FusedActivation;
  const after = isFused ? undefined : SEPARATE_ACTIVATIONS.get(op.activation);
  const { kernel, bias, strides, dilations } = op;
  const pad = explicitPadding ?? op.padding;
  const linear = (x: tf.Tensor): tf.Tensor => {
    switch (op.kind) {
      case "conv2d":
        return tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: kernel as tf.Tensor4D,
          strides,
          pad,
          dilations,
          dataFormat: "NHWC",
          bias,
          activation,
        });
      case "depthwiseConv2d":
        return tf.fused.depthwiseConv2d({
          x: x as tf.Tensor4D,
          filter: kernel as tf.Tensor4D,
          strides,
          // The op's type omits explicit padding, but its kernels take it as conv2d's do.
          pad: pad as "valid",
          dilations,
          dataFormat: "NHWC",
          bias,
          activation,
        });
      case "dense":
        return tf.fused.matMul({ a: x as tf.Tensor2D, b: kernel as tf.Tensor2D, bias, activation });
    }
  };
  return after === undefined ? linear : (x) => after(linear(x));
}

/** Ops with no weights of their own to fold, run without the layers engine; undefined: not one of them. */
function simpleOp(node: GraphNode): ((inputs: tf.Tensor[]) => tf.Tensor) | undefined {
  const config = configOf(node);
  const isOneInput = node.inputTensors.length === 1;
  const ranks = node.inputTensors.map((input) => input.shape.length);
  // Layers without a dataFormat count as channels-last; channels-first ones stay with the layers engine.
  switch (isChannelsLast(node) ? classOf(node) : undefined) {
    case "Add":
      // Inputs of different ranks are reshaped by the layer first: leave those to it.
      return ranks.every((rank) => rank === ranks[0])
        ? (inputs) => inputs.reduce((sum, x) => tf.add(sum, x))
        : undefined;
    case "Concatenate":
      return typeof config.axis === "number"
        ? (inputs) => tf.concat(inputs, config.axis as number)
        : undefined;
    case "GlobalAveragePooling2D":
      return isOneInput ? ([x]) => tf.mean(x, [1, 2]) : undefined;
    case "Flatten":
      return isOneInput
        ? ([x]) => tf.reshape(x, [x.shape[0], x.shape.slice(1).reduce((product, side) => product * side, 1)])
        : undefined;
    case "ZeroPadding2D": {
      const padding = zeroPadding(node);
      return isOneInput && padding ? ([x]) => tf.pad(x, padding) : undefined;
    }
    case "MaxPooling2D":
    case "AveragePooling2D":
      return isOneInput ? poolOp(node) : undefined;
    case "BatchNormalization":
      return batchNormOp(node);
    case "ReLU":
    case "Activation":
      return isOneInput ? activationOp(node) : undefined;
    default:
      return undefined;
  }
}

function poolOp(node: GraphNode): ((inputs: tf.Tensor[]) => tf.Tensor) | undefined {
  const config = configOf(node);
  const poolSize = pair(config.poolSize);
  const strides = pair(config.strides ?? config.poolSize);
  const padding = config.padding;
  if (!poolSize || !strides || (padding !== "same" && padding !== "valid")) return undefined;
  const pool = classOf(node) === "MaxPooling2D" ? tf.maxPool : tf.avgPool;
  return ([x]) => pool(x as tf.Tensor4D, poolSize, strides, padding);
}

/** A BatchNormalization nothing was folded into: one `tf.batchNorm` with the layer's statistics. */
function batchNormOp(node: GraphNode): ((inputs: tf.Tensor[]) => tf.Tensor) | undefined {
  const batchNorm = readBatchNorm(node);
  if (batchNorm === undefined) return undefined;
  const { movingMean, movingVariance, beta, gamma, epsilon } = batchNorm;
  return ([x]) =>
    tf.batchNorm(
      x,
      movingMean as tf.Tensor1D,
      movingVariance as tf.Tensor1D,
      beta as tf.Tensor1D,
      gamma as tf.Tensor1D,
      epsilon,
    );
}

function activationOp(node: GraphNode): ((inputs: tf.Tensor[]) => tf.Tensor) | undefined {
  const config = configOf(node);
  if (classOf(node) === "ReLU") {
    const maxValue = config.maxValue;
    if (maxValue === undefined || maxValue === null) return ([x]) => tf.relu(x);
    return typeof maxValue === "number" ? ([x]) => tf.clipByValue(tf.relu(x), 0, maxValue) : undefined;
  }
  const run = STANDALONE_ACTIVATIONS.get(String(config.activation));
  return run === undefined ? undefined : ([x]) => run(x);
}

/** Fills each step's `lastUseIds`: values read for the last time there (never the plan's input or output). */
function markLastUses(steps: PlanStep[], graph: LayerGraph): void {
  const lastReader = new Map<number, PlanStep>();
  for (const planStep of steps) for (const id of planStep.inputIds) lastReader.set(id, planStep);
  for (const [id, planStep] of lastReader) {
    if (id !== graph.inputId && id !== graph.outputId) planStep.lastUseIds.push(id);
  }
}

function runPlan(steps: readonly PlanStep[], graph: LayerGraph, batch: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const values = new Map<number, tf.Tensor>([[graph.inputId, batch]]);
    const valueOf = (id: number): tf.Tensor => {
      const value = values.get(id);
      if (value === undefined) throw new Error(`inference plan: tensor ${id} read before it was computed`);
      return value;
    };
    for (const planStep of steps) {
      const outputs = planStep.run(planStep.inputIds.map(valueOf));
      planStep.outputIds.forEach((id, i) => values.set(id, outputs[i]));
      for (const id of planStep.lastUseIds) release(values, id, batch);
    }
    return valueOf(graph.outputId) as tf.Tensor2D;
  });
}

/** Frees a value early unless it is the caller's batch or still live under another id (an identity op). */
function release(values: Map<number, tf.Tensor>, id: number, batch: tf.Tensor): void {
  const tensor = values.get(id);
  values.delete(id);
  if (tensor === undefined || tensor === batch) return;
  for (const live of values.values()) if (live === tensor) return;
  tensor.dispose();
}

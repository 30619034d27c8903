/**
 * LogoLab's ML core: pure TensorFlow.js + sharp, no database or GraphQL. Other layers import from
 * here (types such as `Architecture` and `Hyperparameters` are shared with the GraphQL schema).
 */
export {
  activeBackend,
  BACKEND_ORDER,
  selectBackend,
  type BackendSelection,
  type MlBackend,
} from "./backend";
export { registerWasmKernels, type WasmKernelChoice } from "./kernels/registerWasmKernels";
export {
  ARCHITECTURES,
  AUGMENTATIONS,
  defaultHyperparameters,
  LOSS_WEIGHTINGS,
  OPTIMIZERS,
  validateHyperparameters,
  withDefaults,
  type Architecture,
  type Augmentation,
  type Hyperparameters,
  type LossWeighting,
  type Optimizer,
  type TrainableLayers,
} from "./hyperparameters";
export { DEFAULT_MAX_PIXELS, probeImage, renderImage, type ImageInfo, type ImageSource } from "./images";
export { imageBatches, type ImageBatch, type LabeledImage } from "./batches";
export { confusionMatrix, type ConfusionMatrix } from "./confusionMatrix";
export {
  classificationReport,
  decide,
  majorityBaselineAccuracy,
  recognitionScores,
  type ClassificationReport,
  type ClassMetrics,
  type RecognitionScores,
} from "./evaluate";
export {
  train,
  validateTrainingData,
  type BatchProgress,
  type TrainingData,
  type TrainOptions,
  type TrainResult,
} from "./train";
export {
  loadCheckpoint,
  predict,
  readManifest,
  type CheckpointManifest,
  type EpochMetrics,
  type LoadedCheckpoint,
  type Prediction,
} from "./checkpoint";
export { cachedFeatures, type CachedFeatures, type FeatureCacheKey } from "./featureCache";
export { compileForInference, type CompiledModel, type CompileSummary } from "./inferenceGraph";
export { alexnetLite } from "./models/alexnetLite";
export { resnet18v2 } from "./models/resnet18v2";
export { loadMobileNetV2Backbone, MOBILENET_V2_BACKBONE_ID } from "./models/mobilenetV2";
export { loadPretrainedWeights } from "./models/pretrainedWeights";

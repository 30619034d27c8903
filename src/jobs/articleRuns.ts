import type { MlBackend } from "../ml/backend";
import type { Hyperparameters } from "../ml/hyperparameters";

/** One of the article's two runs. */
export interface ArticleRun {
  /** Short column label for reports. */
  label: string;
  description: string;
  hyperparameters: Hyperparameters;
}

/** How big a reproduction is: `quick` fits in minutes on 2 CPU cores. */
export interface ReproductionScale {
  isQuick: boolean;
  backend: MlBackend;
}

const ARTICLE_TRAINING = {
  batchSize: 40,
  optimizer: "SGD",
  learningRate: 0.01,
  weightDecay: 0.001,
  augmentations: ["HORIZONTAL_FLIP", "RANDOM_CROP"],
  lossWeighting: "NONE",
  seed: 42,
} as const satisfies Partial<Hyperparameters>;

/**
 * The article's comparison: its small CNN trained from scratch against a pretrained network whose
 * head alone is trained, with the same data, augmentations and optimizer. The article fine-tunes an
 * ImageNet ResNet; no such weights exist offline, so the pretrained side is nsfwjs's MobileNetV2.
 * Image sizes follow the backend: 224 px natively (GPU/CPU TensorFlow), smaller on wasm, where
 * training from scratch at 224 px runs at ~1 image/s.
 */
export function articleRuns({ isQuick, backend }: ReproductionScale): ArticleRun[] {
  const isNative = backend === "tensorflow" || backend === "tensorflow-gpu";
  const epochs = isQuick ? 4 : 20;
  return [
    {
      label: "cnn",
      description: "AlexNet-lite from scratch",
      hyperparameters: {
        ...ARTICLE_TRAINING,
        augmentations: [...ARTICLE_TRAINING.augmentations],
        architecture: "ALEXNET_LITE",
        pretrained: false,
        trainableLayers: "ALL",
        imageSize: isNative ? 224 : isQuick ? 96 : 112,
        epochs,
      },
    },
    {
      label: "pretrained",
      description: "pretrained MobileNetV2, head only",
      hyperparameters: {
        ...ARTICLE_TRAINING,
        augmentations: [...ARTICLE_TRAINING.augmentations],
        architecture: "MOBILENET_V2",
        pretrained: true,
        trainableLayers: "HEAD",
        imageSize: isNative ? 224 : isQuick ? 128 : 160,
        epochs,
      },
    },
  ];
}

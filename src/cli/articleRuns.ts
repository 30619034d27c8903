import type { MlBackend } from "../ml/backend";
import { defaultHyperparameters, withDefaults, type Hyperparameters } from "../ml/hyperparameters";

/** One run of the reproduction: the article's two, then LogoLab's localizer. */
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

/**
 * The article's comparison: its small CNN trained from scratch against a pretrained network whose
 * head alone is trained, with the same data, augmentations and optimizer. The article fine-tunes an
 * ImageNet ResNet; no such weights exist offline, so the pretrained side is nsfwjs's MobileNetV2.
 * Image sizes follow the backend: 224 px natively (GPU/CPU TensorFlow), smaller on wasm, where
 * training from scratch at 224 px runs at ~1 image/s. A third run, beyond the article, is the
 * recommended recipe (`LOCALIZER` with its defaults: the MobileNetV2-1.4 map at 320 px, a per-cell
 * head trained on the logo boxes, the backbone's top layers fine-tuned in the second half).
 */
export function articleRuns({ isQuick, backend }: ReproductionScale): ArticleRun[] {
  const isNative = backend === "tensorflow" || backend === "tensorflow-gpu";
  const run = (
    label: string,
    description: string,
    model: Pick<Hyperparameters, "architecture" | "pretrained" | "trainableLayers">,
    wasmImageSize: { quick: number; full: number },
  ): ArticleRun => ({
    label,
    description,
    // The defaults are the article's training settings (SGD 0.01, wd 0.001, batch 40, 20 epochs, flip + crop).
    hyperparameters: withDefaults({
      ...model,
      imageSize: isNative ? 224 : isQuick ? wasmImageSize.quick : wasmImageSize.full,
      epochs: isQuick ? 4 : defaultHyperparameters.epochs,
    }),
  });
  return [
    run(
      "cnn",
      "AlexNet-lite from scratch",
      { architecture: "ALEXNET_LITE", pretrained: false, trainableLayers: "ALL" },
      { quick: 96, full: 112 },
    ),
    run(
      "pretrained",
      "pretrained MobileNetV2, head only",
      { architecture: "MOBILENET_V2", pretrained: true, trainableLayers: "HEAD" },
      { quick: 128, full: 160 },
    ),
    {
      label: "localizer",
      description: "LOCALIZER: MobileNetV2-1.4 map, per-cell head on the boxes",
      hyperparameters: withDefaults({ architecture: "LOCALIZER", ...(isQuick ? { epochs: 4 } : {}) }),
    },
  ];
}

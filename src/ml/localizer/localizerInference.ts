import * as tf from "@tensorflow/tfjs";
import type { LoadedCheckpoint, LocalizerSettings } from "../checkpoint";
import { NO_LOGO_LABEL } from "../noLogoThreshold";
import type { SpatialBackbone } from "../models/graphBackbone";
import { tailForward, tailWeightsOf, type TailWeights } from "./backboneTail";
import { cellHeadVariables } from "./cellHead";
import { contextWindowOf } from "./cellContext";
import { decodeBox, imageScores } from "./imageDecision";
import { mapHeadOf } from "./mapHead";

/** Numbers a LOCALIZER output row adds after the class scores: the box as fractions x, y, width, height. */
export const BOX_FIELDS = 4;

/** A LOCALIZER checkpoint ready for forward passes on a shared backbone. */
export interface LocalizerPredictor {
  /**
   * `batch` `[imageCount, s, s, 3]` in [0, 1] (whole-image views) → rows of `classCount` image
   * scores followed by the most probable brand's box as fractions of the image (x, y, width,
   * height). Synchronous; no tensor outlives the call.
   */
  predict(batch: Float32Array, imageCount: number): Float32Array;
  /** Bytes kept beside the head: its folded first layer and any fine-tuned backbone tail. */
  readonly extraWeightBytes: number;
  dispose(): void;
}

/**
 * Wraps a LOCALIZER checkpoint (its head and `manifest.localizer`) around `backbone`: map →
 * each cell with its window's mean (when the checkpoint has one) → cell head with the per-channel
 * standardisation folded into its first layer (`mapHeadOf`) → per-class max over cells → box of
 * the best brand; with a fine-tuned tail (`localizer.tailInputTap`) the map is the backbone's at
 * that node run through the checkpoint's tail. The checkpoint's model and extra weights stay owned
 * by the caller; `dispose` frees only what this adds.
 */
export function localizerPredictor(
  checkpoint: LoadedCheckpoint,
  backbone: SpatialBackbone,
): LocalizerPredictor {
  const { manifest, model } = checkpoint;
  const settings = manifest.localizer as LocalizerSettings;
  const classCount = manifest.labels.length;
  const noLogoIndex = manifest.labels.indexOf(NO_LOGO_LABEL);
  const head = mapHeadOf(
    cellHeadVariables(model),
    { mean: Float32Array.from(settings.channelMean), std: Float32Array.from(settings.channelStd) },
    contextWindowOf(settings),
  );
  const { imageSize } = manifest;
  const rowWidth = classCount + BOX_FIELDS;
  // A fine-tuned tail (the checkpoint's extraWeights) replaces the backbone's own top layers.
  const tail: { inputTap: string; weights: TailWeights } | undefined =
    settings.tailInputTap === undefined
      ? undefined
      : { inputTap: settings.tailInputTap, weights: tailWeightsOf(checkpoint.extraWeights) };
  const tapMap = (images: tf.Tensor4D): tf.Tensor4D =>
    tail === undefined
      ? backbone.featureMap(images)
      : tailForward(tail.weights, backbone.featureMapAt(images, tail.inputTap));
  return {
    extraWeightBytes:
      head.weightBytes +
      (tail === undefined ? 0 : Object.values(tail.weights).reduce((bytes, t) => bytes + t.size * 4, 0)),
    predict(batch, imageCount) {
      const probabilities = tf.tidy(() => {
        const map = tapMap(tf.tensor4d(batch, [imageCount, imageSize, imageSize, 3]));
        const [, grid] = map.shape;
        return { values: head.probabilities(map), grid };
      });
      const cellValues = probabilities.values.dataSync();
      probabilities.values.dispose();
      const { grid } = probabilities;
      const cells = grid * grid;
      const rows = new Float32Array(imageCount * rowWidth);
      for (let i = 0; i < imageCount; i++) {
        const offset = i * cells * classCount;
        const scores = imageScores(cellValues, cells, classCount, noLogoIndex, offset);
        rows.set(scores, i * rowWidth);
        let brand = -1;
        for (let c = 0; c < classCount; c++)
          if (c !== noLogoIndex && (brand < 0 || scores[c] > scores[brand])) brand = c;
        if (brand < 0) continue;
        const box = decodeBox(cellValues, grid, classCount, brand, 1, 1, settings.boxCellFraction, offset);
        rows.set([box.x, box.y, box.width, box.height], i * rowWidth + classCount);
      }
      return rows;
    },
    dispose() {
      head.dispose();
    },
  };
}

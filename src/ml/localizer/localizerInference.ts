import * as tf from "@tensorflow/tfjs";
import type { LoadedCheckpoint, LocalizerSettings } from "../checkpoint";
import { NO_LOGO_LABEL } from "../noLogoThreshold";
import type { SpatialBackbone } from "../models/graphBackbone";
import { cellHeadVariables, cellProbabilities } from "./cellHead";
import { cellRowsOf, contextWindowOf } from "./cellContext";
import { decodeBox, imageScores } from "./imageDecision";

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
  /** Bytes of the standardisation and the folded first layer it keeps beside the head. */
  readonly extraWeightBytes: number;
  dispose(): void;
}

/**
 * Wraps a LOCALIZER checkpoint (its head and `manifest.localizer`) around `backbone`: map →
 * standardise per channel → each cell with its window's mean (when the checkpoint has one) →
 * cell head → per-class max over cells → box of the best brand. The checkpoint's model stays
 * owned by the caller; `dispose` frees only what this adds.
 */
export function localizerPredictor(
  checkpoint: LoadedCheckpoint,
  backbone: SpatialBackbone,
): LocalizerPredictor {
  const { manifest, model } = checkpoint;
  const settings = manifest.localizer as LocalizerSettings;
  const classCount = manifest.labels.length;
  const noLogoIndex = manifest.labels.indexOf(NO_LOGO_LABEL);
  const mean = tf.tensor1d(settings.channelMean);
  const std = tf.tensor1d(settings.channelStd);
  const variables = cellHeadVariables(model);
  const { imageSize } = manifest;
  const rowWidth = classCount + BOX_FIELDS;
  return {
    extraWeightBytes: settings.channelMean.length * 8,
    predict(batch, imageCount) {
      const probabilities = tf.tidy(() => {
        const map = backbone.featureMap(tf.tensor4d(batch, [imageCount, imageSize, imageSize, 3]));
        const [, grid] = map.shape;
        const standardised = tf.div(tf.sub(map, mean), std) as tf.Tensor4D;
        const rows = cellRowsOf(standardised, contextWindowOf(settings));
        return { values: cellProbabilities(variables, rows), grid };
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
      tf.dispose([mean, std]);
    },
  };
}

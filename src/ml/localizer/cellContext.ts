/**
 * Context for the cell head: each cell's own standardised features followed by the mean of its
 * 3×3 neighbourhood (the cells of the window that lie inside the map), so a cell holding one
 * letter of a wordmark also sees its neighbours. Two equal implementations: one for the sampled
 * rows of a training batch (plain arrays) and one for whole maps (tensors, serving and scoring).
 */
import * as tf from "@tensorflow/tfjs";
import type { LocalizerSettings } from "../checkpoint";
import { writeStandardisedCell } from "./cellHead";

/** Side of the context window (cells). */
export const CONTEXT_WINDOW = 3;

/**
 * Fewest training images for which a new LOCALIZER run uses the context window. Measured: with
 * 2,250 generated training images it lifts held-out macro-F1 0.781 → 0.802 and real photos
 * 0.221 → 0.298 (`bench:quality`); with 48 (two brands, `test/jobs/localizerRun.test.ts`) the
 * doubled input overfits and 10 of 16 test images are right instead of 12. Below this, cells stand
 * alone, as before the window existed.
 */
export const CONTEXT_MIN_TRAINING_IMAGES = 500;

/** The context window a new run on `trainingImages` images uses. Pure. */
export function contextWindowFor(trainingImages: number): number {
  return trainingImages >= CONTEXT_MIN_TRAINING_IMAGES ? CONTEXT_WINDOW : 1;
}

/** The context window of a checkpoint's settings: absent (checkpoints before it) is 1. */
export function contextWindowOf(settings: Pick<LocalizerSettings, "contextWindow"> | undefined): number {
  return settings?.contextWindow ?? 1;
}

/** Width of a head input row: the cell's channels, and as many again for the window mean. */
export function headInputWidth(channels: number, contextWindow: number): number {
  return contextWindow > 1 ? 2 * channels : channels;
}

/**
 * Writes cell `cell` (index within its image's `grid × grid` map, whose first cell is
 * `imageBase` in `maps`) into `target` row `row`: its standardised channels, then — when
 * `contextWindow` > 1 — the mean of the standardised channels of the window's in-map cells.
 */
export function writeCellRow(
  maps: Uint8Array,
  imageBase: number,
  cell: number,
  grid: number,
  channels: number,
  table: Float32Array,
  target: Float32Array,
  row: number,
  contextWindow: number,
): void {
  const width = headInputWidth(channels, contextWindow);
  const destination = row * width;
  const own = target.subarray(destination, destination + channels);
  writeStandardisedCell(maps, imageBase + cell, channels, table, own, 0);
  if (contextWindow <= 1) return;
  const context = target.subarray(destination + channels, destination + 2 * channels);
  context.fill(0);
  const reach = Math.floor(contextWindow / 2);
  const [r, q] = [Math.floor(cell / grid), cell % grid];
  let count = 0;
  for (let dr = -reach; dr <= reach; dr++) {
    for (let dq = -reach; dq <= reach; dq++) {
      const [nr, nq] = [r + dr, q + dq];
      if (nr < 0 || nr >= grid || nq < 0 || nq >= grid) continue;
      const source = (imageBase + nr * grid + nq) * channels;
      for (let c = 0; c < channels; c++) context[c] += table[c * 256 + maps[source + c]];
      count++;
    }
  }
  for (let c = 0; c < channels; c++) context[c] /= count;
}

/**
 * Head inputs of whole maps: `standardised` `[images, grid, grid, channels]` →
 * `[images · grid², headInputWidth]` (see {@link writeCellRow}). The caller disposes the result.
 */
export function cellRowsOf(standardised: tf.Tensor4D, contextWindow: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [images, grid, , channels] = standardised.shape;
    if (contextWindow <= 1) return standardised.reshape([images * grid * grid, channels]) as tf.Tensor2D;
    const reach = Math.floor(contextWindow / 2);
    const padded = tf.pad(standardised, [
      [0, 0],
      [reach, reach],
      [reach, reach],
      [0, 0],
    ]);
    const shifted: tf.Tensor4D[] = [];
    for (let dr = 0; dr < contextWindow; dr++)
      for (let dq = 0; dq < contextWindow; dq++)
        shifted.push(tf.slice(padded, [0, dr, dq, 0], [images, grid, grid, channels]));
    const sum = tf.addN(shifted);
    const counts = tf.tensor4d(windowCounts(grid, contextWindow), [1, grid, grid, 1]);
    const mean = tf.div(sum, counts);
    return tf.concat([standardised, mean], 3).reshape([images * grid * grid, 2 * channels]) as tf.Tensor2D;
  });
}

/** How many cells of each cell's window lie inside a `grid × grid` map (row-major). Pure. */
export function windowCounts(grid: number, contextWindow: number): Float32Array {
  const reach = Math.floor(contextWindow / 2);
  const inside = (i: number) => Math.min(grid - 1, i + reach) - Math.max(0, i - reach) + 1;
  const counts = new Float32Array(grid * grid);
  for (let r = 0; r < grid; r++) for (let q = 0; q < grid; q++) counts[r * grid + q] = inside(r) * inside(q);
  return counts;
}

/**
 * Context for the cell head: each cell's own standardised features followed by the mean of its
 * 3×3 neighbourhood (the cells of the window that lie inside the map), so a cell holding one
 * letter of a wordmark also sees its neighbours. This writes the sampled rows of a training batch
 * (plain arrays); whole maps (serving and scoring) get the same rows from `mapHeadOf`'s average pool.
 */
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

/**
 * Epoch-aligned metric series downsampled on the server: the epochs 1…E of the compared runs are cut
 * into at most `samples` buckets of consecutive epochs, the same buckets for every run, and each
 * bucket keeps its minimum and maximum (and at which epoch), mean and last value — so a spike inside
 * a bucket survives the downsampling. Pure.
 */

/** Consecutive epochs `from…to` (inclusive), one bucket of every run's series. */
export interface EpochRange {
  from: number;
  to: number;
}

/** One bucket of one run's series; only buckets where the run has a value appear. */
export interface SeriesPoint extends EpochRange {
  /** Epochs of the run in the bucket with a value. */
  count: number;
  min: number;
  minEpoch: number;
  max: number;
  maxEpoch: number;
  mean: number;
  /** Value at the bucket's last epoch the run has. */
  last: number;
  lastEpoch: number;
}

/** One value of a series. */
export interface EpochValue {
  epoch: number;
  value: number;
}

/** Largest `samples` accepted. */
export const MAX_SAMPLES = 1000;

/**
 * Buckets for epochs `1…lastEpoch`: one per epoch when there are at most `samples` epochs,
 * otherwise `samples` buckets whose sizes differ by at most one epoch.
 */
export function epochBuckets(lastEpoch: number, samples: number): EpochRange[] {
  if (lastEpoch < 1) return [];
  const count = Math.min(lastEpoch, samples);
  return Array.from({ length: count }, (_, i) => ({
    from: Math.floor((i * lastEpoch) / count) + 1,
    to: Math.floor(((i + 1) * lastEpoch) / count),
  }));
}

/** Index of the bucket holding `epoch` (buckets from {@link epochBuckets}). */
function bucketIndex(buckets: EpochRange[], epoch: number): number {
  let low = 0;
  let high = buckets.length - 1;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (buckets[middle].to < epoch) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The series summarised per bucket (values outside the buckets are ignored). */
export function downsample(values: readonly EpochValue[], buckets: EpochRange[]): SeriesPoint[] {
  if (buckets.length === 0) return [];
  const points = new Map<number, SeriesPoint & { sum: number }>();
  const ordered = [...values].sort((a, b) => a.epoch - b.epoch);
  for (const { epoch, value } of ordered) {
    if (epoch < buckets[0].from || epoch > buckets[buckets.length - 1].to) continue;
    const index = bucketIndex(buckets, epoch);
    const point = points.get(index);
    if (!point) {
      const { from, to } = buckets[index];
      const first = {
        min: value,
        minEpoch: epoch,
        max: value,
        maxEpoch: epoch,
        last: value,
        lastEpoch: epoch,
      };
      points.set(index, { from, to, count: 1, sum: value, mean: value, ...first });
      continue;
    }
    point.count += 1;
    point.sum += value;
    if (value < point.min) [point.min, point.minEpoch] = [value, epoch];
    if (value > point.max) [point.max, point.maxEpoch] = [value, epoch];
    point.last = value;
    point.lastEpoch = epoch;
  }
  return [...points.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, { sum, ...point }]) => ({ ...point, mean: sum / point.count }));
}

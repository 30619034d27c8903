import { downsample, epochBuckets } from "../metricSeries";

describe("epochBuckets", () => {
  it("gives one bucket per epoch when there are at most `samples` epochs", () => {
    expect(epochBuckets(3, 20)).toEqual([
      { from: 1, to: 1 },
      { from: 2, to: 2 },
      { from: 3, to: 3 },
    ]);
  });

  it("cuts more epochs into `samples` consecutive buckets differing by at most one epoch", () => {
    expect(epochBuckets(10, 4)).toEqual([
      { from: 1, to: 2 },
      { from: 3, to: 5 },
      { from: 6, to: 7 },
      { from: 8, to: 10 },
    ]);
    const buckets = epochBuckets(50, 20);
    expect(buckets).toHaveLength(20);
    expect(buckets[0].from).toBe(1);
    expect(buckets[19].to).toBe(50);
    buckets.slice(1).forEach((b, i) => expect(b.from).toBe(buckets[i].to + 1));
    expect(new Set(buckets.map((b) => b.to - b.from + 1))).toEqual(new Set([2, 3]));
  });

  it("has no buckets without epochs", () => {
    expect(epochBuckets(0, 20)).toEqual([]);
  });
});

describe("downsample", () => {
  it("keeps each bucket's minimum and maximum with their epochs, so a one-epoch spike survives", () => {
    const values = Array.from({ length: 10 }, (_, i) => ({ epoch: i + 1, value: i === 6 ? 9 : 1 }));
    const points = downsample(values, epochBuckets(10, 2));
    expect(points).toEqual([
      { from: 1, to: 5, count: 5, min: 1, minEpoch: 1, max: 1, maxEpoch: 1, mean: 1, last: 1, lastEpoch: 5 },
      {
        from: 6,
        to: 10,
        count: 5,
        min: 1,
        minEpoch: 6,
        max: 9,
        maxEpoch: 7,
        mean: 2.6,
        last: 1,
        lastEpoch: 10,
      },
    ]);
  });

  it("leaves out the buckets where a run has no value, and ignores epochs outside the buckets", () => {
    const buckets = epochBuckets(6, 3);
    expect(
      downsample(
        [
          { epoch: 2, value: 0.5 },
          { epoch: 9, value: 7 },
        ],
        buckets,
      ),
    ).toEqual([
      {
        from: 1,
        to: 2,
        count: 1,
        min: 0.5,
        minEpoch: 2,
        max: 0.5,
        maxEpoch: 2,
        mean: 0.5,
        last: 0.5,
        lastEpoch: 2,
      },
    ]);
  });

  it("does not depend on the order the values come in", () => {
    const values = [5, 3, 8, 1, 4].map((value, i) => ({ epoch: i + 1, value }));
    const buckets = epochBuckets(5, 2);
    expect(downsample([...values].reverse(), buckets)).toEqual(downsample(values, buckets));
  });
});

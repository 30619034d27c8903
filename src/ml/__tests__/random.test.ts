import { createRandom, deriveSeed, shuffled } from "../random";

describe("random", () => {
  it("repeats its sequence for the same seed and differs for another", () => {
    const a = Array.from({ length: 5 }, createRandom(42).next);
    const b = createRandom(42);
    expect(Array.from({ length: 5 }, b.next)).toEqual(a);
    expect(createRandom(43).next()).not.toBe(a[0]);
  });

  it("draws integers within inclusive bounds and floats within [min, max)", () => {
    const random = createRandom(1);
    const ints = Array.from({ length: 1000 }, () => random.int(2, 4));
    expect(new Set(ints)).toEqual(new Set([2, 3, 4]));
    const floats = Array.from({ length: 1000 }, () => random.uniform(-1, 1));
    expect(Math.min(...floats)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...floats)).toBeLessThan(1);
  });

  it("derives distinct, stable seeds from labels", () => {
    expect(deriveSeed(7, "order", 1)).toBe(deriveSeed(7, "order", 1));
    expect(deriveSeed(7, "order", 1)).not.toBe(deriveSeed(7, "order", 2));
    expect(deriveSeed(7, "order", 1)).not.toBe(deriveSeed(8, "order", 1));
  });

  it("shuffles into a permutation without touching the input", () => {
    const items = [1, 2, 3, 4, 5, 6];
    const result = shuffled(items, createRandom(3));
    expect(items).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...result].sort()).toEqual(items);
    expect(shuffled(items, createRandom(3))).toEqual(result);
  });
});

import { epochOrder } from "../../batches";
import { epochPasses, MAX_PASSES_PER_EPOCH, MIN_IMAGES_PER_EPOCH, passesPerEpoch } from "../trainLocalizer";

describe("passes per epoch", () => {
  it("passes a small training set until the epoch holds MIN_IMAGES_PER_EPOCH images, a large one once", () => {
    expect(passesPerEpoch(300)).toBe(Math.ceil(MIN_IMAGES_PER_EPOCH / 300));
    expect(300 * passesPerEpoch(300)).toBeGreaterThanOrEqual(MIN_IMAGES_PER_EPOCH);
    expect(300 * (passesPerEpoch(300) - 1)).toBeLessThan(MIN_IMAGES_PER_EPOCH);
    expect(passesPerEpoch(MIN_IMAGES_PER_EPOCH)).toBe(1);
    expect(passesPerEpoch(MIN_IMAGES_PER_EPOCH + 1)).toBe(1);
    expect(passesPerEpoch(2610)).toBe(1);
    expect(passesPerEpoch(0)).toBe(1);
  });

  it("never passes a tiny set more than MAX_PASSES_PER_EPOCH times", () => {
    expect(passesPerEpoch(184)).toBe(MAX_PASSES_PER_EPOCH);
    expect(passesPerEpoch(60)).toBe(MAX_PASSES_PER_EPOCH);
    expect(passesPerEpoch(1)).toBe(MAX_PASSES_PER_EPOCH);
  });

  it("orders each pass as its own permutation; the first is the plain epoch order", () => {
    const order = epochPasses(10, 3, 42, 2);
    expect(order).toHaveLength(30);
    expect(order.slice(0, 10)).toEqual(epochOrder(10, { mode: "train", seed: 42, epoch: 2 }));
    const passes = [order.slice(0, 10), order.slice(10, 20), order.slice(20)];
    for (const pass of passes) expect([...pass].sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    expect(passes[1]).not.toEqual(passes[0]);
    expect(passes[2]).not.toEqual(passes[1]);
  });

  it("is deterministic per seed and epoch, and differs between epochs", () => {
    expect(epochPasses(12, 2, 7, 3)).toEqual(epochPasses(12, 2, 7, 3));
    expect(epochPasses(12, 2, 7, 3)).not.toEqual(epochPasses(12, 2, 7, 4));
    expect(epochPasses(12, 1, 7, 3)).toEqual(epochOrder(12, { mode: "train", seed: 7, epoch: 3 }));
  });
});

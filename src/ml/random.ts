/**
 * Seeded pseudo-random numbers for everything LogoLab draws (shuffles, augmentations, weight init
 * seeds), so a run is reproducible from its `seed`. Mulberry32: 32-bit state, fast, good enough
 * for data order and augmentation (not for cryptography).
 */
export interface Random {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number;
  /** Uniform float in [min, max). */
  uniform(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** A 32-bit seed for a child stream (e.g. a layer initializer's `seed`). */
  seed(): number;
}

/** Creates a PRNG whose sequence is fully determined by `seed` (any finite number). */
export function createRandom(seed: number): Random {
  let state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    uniform: (min, max) => min + next() * (max - min),
    chance: (p) => next() < p,
    seed: () => Math.floor(next() * 4294967296) >>> 0,
  };
}

/** Derives an independent seed from a base seed and labels (e.g. `deriveSeed(seed, "shuffle", epoch)`). */
export function deriveSeed(seed: number, ...labels: Array<string | number>): number {
  let hash = (Math.floor(seed) ^ 0x811c9dc5) >>> 0;
  for (const char of labels.join("\u0000")) {
    hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  }
  return createRandom(hash).seed();
}

/** A copy of `items` in a seeded Fisher–Yates order. */
export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const result = items.slice();
  for (let i = result.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [result[i], result[j]] = [result[j], result[i]];
  }
  return result;
}

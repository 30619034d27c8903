import { RANDOMISATION_ELEMENTS } from "../../src/vocabulary";
import { scaledSizes } from "../../src/datasets/synthLogos32";
import type { DatasetRegistry } from "../../src/experiments/datasets";
import { createRegistry } from "../../src/experiments/registry";
import { DatasetPreparation } from "../../src/preparation/datasetPreparation";
import { normaliseSyntheticRequest, overallProgress } from "../../src/preparation/syntheticDatasets";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase";

describe("normaliseSyntheticRequest", () => {
  it("fills in SynthLogos-32, seed 1, scale 1, the ARTICLE recipe and every randomisation element", () => {
    expect(normaliseSyntheticRequest({})).toEqual({
      name: "SynthLogos-32",
      seed: 1,
      scale: 1,
      sizes: scaledSizes(1),
      splitRecipe: "ARTICLE",
      randomisation: [...RANDOMISATION_ELEMENTS],
      backgrounds: "TRAINING",
    });
    expect(normaliseSyntheticRequest({ seed: null, scale: null, name: "  ", splitRecipe: null })).toEqual(
      normaliseSyntheticRequest({}),
    );
  });

  it("keeps given values, trimming the name", () => {
    expect(
      normaliseSyntheticRequest({
        seed: 0,
        scale: 0.5,
        name: " mine ",
        splitRecipe: "OFFICIAL",
        randomisation: ["WHITE_BALANCE", "LIGHTING", "LIGHTING"],
        backgrounds: "HELD_OUT",
      }),
    ).toEqual({
      name: "mine",
      seed: 0,
      scale: 0.5,
      sizes: scaledSizes(0.5),
      splitRecipe: "OFFICIAL",
      randomisation: ["LIGHTING", "WHITE_BALANCE"],
      backgrounds: "HELD_OUT",
    });
    expect(normaliseSyntheticRequest({ randomisation: [] }).randomisation).toEqual([]);
  });

  it.each([
    ["a negative seed", { seed: -1 }, "seed must be a non-negative integer, got -1", "seed"],
    ["a fractional seed", { seed: 1.5 }, "seed must be a non-negative integer, got 1.5", "seed"],
    ["a scale below 0.01", { scale: 0.001 }, "scale must be between 0.01 and 10, got 0.001", "scale"],
    ["a NaN scale", { scale: Number.NaN }, "scale must be between 0.01 and 10, got NaN", "scale"],
    ["a name over 100 characters", { name: "x".repeat(101) }, "name must be at most 100 characters", "name"],
  ])("rejects %s", (_label, request, message, field) => {
    expect(() => normaliseSyntheticRequest(request)).toThrow(
      expect.objectContaining({ message, code: "BAD_USER_INPUT", details: { field } }),
    );
  });
});

describe("overallProgress", () => {
  it("spends three quarters on generating, then validating, hashing and writing", () => {
    expect(overallProgress({ phase: "generating", done: 0, total: 100 })).toBe(0);
    expect(overallProgress({ phase: "generating", done: 50, total: 100 })).toBeCloseTo(0.375);
    expect(overallProgress({ phase: "validating", done: 0, total: 10 })).toBeCloseTo(0.75);
    expect(overallProgress({ phase: "hashing", done: 10, total: 10 })).toBeCloseTo(0.99);
    expect(overallProgress({ phase: "writing", done: 10, total: 10 })).toBe(1);
    expect(overallProgress({ phase: "writing", done: 0, total: 0 })).toBe(1);
  });
});

describe("DatasetPreparation.interruptSynthetic", () => {
  let db: TestDatabase;
  let registry: DatasetRegistry;
  beforeAll(async () => {
    db = await createTestDatabase();
    registry = createRegistry(db.database.prisma).datasets;
  });
  afterAll(async () => {
    await db?.close();
  });

  it("marks this process's generation FAILED with the reason and records nothing after it", async () => {
    // An unwritable folder makes the generation end quickly; interrupt() must still have the last word.
    const preparation = new DatasetPreparation(registry, {
      datasetsDir: "/dev/null/datasets",
      importRoots: [],
    });
    const running = await preparation.startSynthetic({ scale: 0.01 });
    expect(await preparation.interruptSynthetic()).toBe(1);
    expect(await running.finished).toMatchObject({
      status: "FAILED",
      error: "interrupted: the server stopped",
    });
    await preparation.whenIdle();
    expect(await registry.get(running.dataset.id)).toMatchObject({
      status: "FAILED",
      progress: null,
      error: "interrupted: the server stopped",
    });
    expect(await preparation.interruptSynthetic()).toBe(0);
  });
});

import fs from "node:fs/promises";
import path from "node:path";
import type { DatasetRegistry } from "../../src/experiments/datasets";
import { DatasetPreparation } from "../../src/preparation/datasetPreparation";
import { ensureDefaultDataset } from "../../src/preparation/defaultDataset";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase";
import { createRegistry } from "../../src/experiments/registry";

const TINY = { scale: 0.01 };

let db: TestDatabase;
let registry: DatasetRegistry;
let preparation: DatasetPreparation;
beforeAll(async () => {
  db = await createTestDatabase();
  registry = createRegistry(db.database.prisma).datasets;
  preparation = new DatasetPreparation(registry, db.config);
});
afterAll(async () => {
  await preparation?.whenIdle();
  await db?.close();
});

/** Registers a dataset being prepared whose row last changed `ageMs` ago. */
async function preparingSince(ageMs: number, name: string): Promise<string> {
  const row = await registry.register({
    name,
    format: "SYNTHETIC",
    status: "GENERATING",
    rootPath: "/nowhere",
  });
  await db.database.prisma
    .$executeRaw`UPDATE datasets SET updated_at = now() - make_interval(secs => ${ageMs / 1000}) WHERE id = ${row.id}::uuid`;
  return row.id;
}

async function statusOf(id: string): Promise<{ status: string; error: string | null }> {
  const row = await registry.get(id);
  return { status: row!.status, error: row!.error };
}

describe("ensureDefaultDataset", () => {
  it("starts generating SynthLogos-32 on an empty registry, and only once", async () => {
    const first = await ensureDefaultDataset(registry, preparation, {
      databaseKind: "postgres",
      isEnabled: true,
      request: TINY,
    });
    expect(first).toMatchObject({
      abandonedCount: 0,
      generating: {
        name: "SynthLogos-32",
        status: "GENERATING",
        format: "SYNTHETIC",
        splitRecipe: "ARTICLE",
      },
    });
    const second = await ensureDefaultDataset(registry, preparation, {
      databaseKind: "postgres",
      isEnabled: true,
      request: TINY,
    });
    expect(second.generating).toBeNull();
    await preparation.whenIdle();
    expect(await statusOf(first.generating!.id)).toEqual({ status: "READY", error: null });
    expect(await registry.count()).toBe(1);
  }, 120_000);

  it("starts nothing when a dataset is READY", async () => {
    const outcome = await ensureDefaultDataset(registry, preparation, {
      databaseKind: "postgres",
      isEnabled: true,
      request: TINY,
    });
    expect(outcome.generating).toBeNull();
    expect(await registry.count()).toBe(1);
  });

  it("fails preparations silent for over 2 minutes (PostgreSQL) and keeps live ones", async () => {
    const stale = await preparingSince(3 * 60_000, "stale");
    const live = await preparingSince(10_000, "live");
    const outcome = await ensureDefaultDataset(registry, preparation, {
      databaseKind: "postgres",
      isEnabled: false,
    });
    expect(outcome).toEqual({ abandonedCount: 1, generating: null });
    expect(await statusOf(stale)).toEqual({
      status: "FAILED",
      error: "interrupted: the process preparing it stopped",
    });
    expect((await statusOf(live)).status).toBe("GENERATING");
  });

  it("fails every preparation with the embedded database, where no other process can be preparing, and clears its scratch", async () => {
    const live = await preparingSince(1_000, "recent");
    const leftover = path.join(db.config.datasetsDir, ".synthetic-scratch", "leftover");
    await fs.mkdir(leftover, { recursive: true });
    const outcome = await ensureDefaultDataset(registry, preparation, {
      databaseKind: "embedded",
      isEnabled: false,
    });
    expect(outcome.abandonedCount).toBeGreaterThanOrEqual(1);
    expect((await statusOf(live)).status).toBe("FAILED");
    await expect(fs.stat(leftover)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("generates again when every dataset has FAILED (an interrupted first start)", async () => {
    for (const row of await db.database.prisma.dataset.findMany({ where: { status: "READY" } })) {
      await registry.markFailed(row.id, "test: pretend it failed");
    }
    // Only the decision matters here: an unwritable datasets folder makes the generation end at once.
    const unwritable = new DatasetPreparation(registry, {
      datasetsDir: "/dev/null/datasets",
      importRoots: [],
    });
    const outcome = await ensureDefaultDataset(registry, unwritable, {
      databaseKind: "postgres",
      isEnabled: true,
      request: TINY,
    });
    expect(outcome.generating).toMatchObject({ name: "SynthLogos-32", status: "GENERATING" });
    await unwritable.whenIdle();
    expect(await statusOf(outcome.generating!.id)).toEqual({
      status: "FAILED",
      error: "ENOTDIR: not a directory, mkdir '/dev/null/datasets/.synthetic-scratch'",
    });
  });

  it("starts nothing when LOGOLAB_DEFAULT_DATASET is off", async () => {
    await db.database.prisma.dataset.deleteMany();
    const outcome = await ensureDefaultDataset(registry, preparation, {
      databaseKind: "postgres",
      isEnabled: false,
    });
    expect(outcome).toEqual({ abandonedCount: 0, generating: null });
    expect(await registry.count()).toBe(0);
  });
});

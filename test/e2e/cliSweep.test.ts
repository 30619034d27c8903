import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createRegistry } from "../../src/experiments/registry";
import { DatasetPreparation } from "../../src/preparation/datasetPreparation";
import { BUILT_CLI } from "../support/builtCli";
import { writeImageFolder } from "../support/imageFolder";
import { FOUR_CLASSES, TINY_RUN } from "../support/runFixtures";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase";

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

let db: TestDatabase;
let home: string;
let experimentId: string;

/** Runs the built `logolab` against the scratch database and home. */
function logolab(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUILT_CLI, ...args], {
      env: {
        ...process.env,
        DATABASE_URL: db.config.databaseUrl!,
        LOGOLAB_HOME: home,
        LOGOLAB_DEFAULT_DATASET: "false",
        LOGOLAB_WORKERS: "0",
      },
      cwd: home,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-cli-sweep-"));
  db = await createTestDatabase({ LOGOLAB_HOME: home });
  const registry = createRegistry(db.database.prisma);
  const source = path.join(home, "images");
  await writeImageFolder(source, FOUR_CLASSES, { train: 3, val: 2, test: 1 });
  const dataset = await new DatasetPreparation(registry.datasets, db.config).import({
    format: "IMAGE_FOLDER",
    path: source,
  });
  experimentId = (await registry.experiments.create({ name: "cli sweep", datasetId: dataset.id })).id;
}, 120_000);

afterAll(async () => {
  await db?.close();
  await fs.rm(home, { recursive: true, force: true });
});

describe("logolab sweep", () => {
  it("queues a grid, trains it with a progress bar per run, and reports its best run", async () => {
    const started = await logolab([
      "sweep",
      "start",
      "--experiment",
      experimentId,
      "--vary",
      "learningRate=0.05,0.01",
      "--hyperparameters",
      JSON.stringify({ ...TINY_RUN, epochs: 1 }),
    ]);
    expect(started.code).toBe(0);
    const id = /^sweep (\S+): 2 runs queued$/m.exec(started.stdout)?.[1];
    expect(id).toBeDefined();
    expect(started.stdout).toMatch(/^ {2}run 1: \S+ {2}learningRate=0\.05$/m);
    expect(started.stdout).toMatch(/^ {2}run 2: \S+ {2}learningRate=0\.01$/m);
    expect(started.stdout).toContain(`sweep ${id} (GRID, 2 runs): SUCCEEDED (2 succeeded)`);
    expect(started.stdout).toMatch(/^1 +SUCCEEDED +\d\.\d{3} +\d\.\d{3} +learningRate=0\.05$/m);
    expect(started.stdout).toMatch(/^best run \S+ \(val macro-F1 \d\.\d{3}\)$/m);
    // One bar per run on stderr (piped: cli-progress writes its lines at the end at least).
    expect(started.stderr).toMatch(/run 1\/2/);
    expect(started.stderr).toMatch(/run 2\/2/);

    const status = await logolab(["sweep", "status", id!]);
    expect(status).toMatchObject({ code: 0 });
    expect(status.stdout).toContain("SUCCEEDED (2 succeeded)");

    const cancel = await logolab(["sweep", "cancel", id!]);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toContain(`sweep ${id} has finished (SUCCEEDED)`);
  }, 300_000);

  it("refuses a space it cannot run, writing nothing", async () => {
    const before = await db.database.prisma.sweep.count();
    const result = await logolab([
      "sweep",
      "start",
      "--experiment",
      experimentId,
      "--vary",
      "dropout=0.1",
      "--detach",
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain("dropout is not a hyperparameter a sweep varies");
    const random = await logolab([
      "sweep",
      "start",
      "--experiment",
      experimentId,
      "--strategy",
      "random",
      "--range",
      "learningRate=0.001:0.1:log",
      "--detach",
    ]);
    expect(random.code).toBe(1);
    expect(random.stderr).toContain("maxRuns is required for a RANDOM sweep");
    expect(await db.database.prisma.sweep.count()).toBe(before);
  }, 120_000);
});

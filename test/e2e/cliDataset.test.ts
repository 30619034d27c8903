import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { planFlickrLogos32Import } from "../../src/datasets/flickrLogos32Importer";
import { createScratchDatabase, type ScratchDatabase } from "../support/testDatabase";
import { BUILT_CLI } from "../support/builtCli";

/** Generating takes 5–15 s alone on 2 cores; the margin is for a machine busy with other suites. */
const GENERATION_TIMEOUT_MS = 120_000;

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `logolab` with `args` and `env` added to this process's environment. */
function logolab(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUILT_CLI, ...args], {
      env: { ...process.env, LOGOLAB_HOME: home, LOGOLAB_DEFAULT_DATASET: "false", ...env },
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

let home: string;
beforeAll(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-cli-dataset-"));
});
afterAll(async () => {
  await fs.rm(home, { recursive: true, force: true });
});

describe("logolab dataset synth --out (no database)", () => {
  it(
    "writes a SynthLogos-32 tree that the FlickrLogos-32 importer reads",
    async () => {
      const out = path.join(home, "synth");
      const result = await logolab(["dataset", "synth", "--out", out, "--seed", "3", "--scale", "0.05"], {
        DATABASE_URL: "postgresql://nobody@127.0.0.1:1/none",
      });
      expect(result).toMatchObject({ code: 0, stderr: "" });
      // Scale 0.05: train 1, val 2, test 2 images per brand; 150 no-logo images in val and in test.
      expect(result.stdout).toMatch(new RegExp(`^wrote 460 images to ${out} in \\d+\\.\\d s\\n$`));
      const official = await planFlickrLogos32Import(out, { recipe: "OFFICIAL" });
      expect(official.classes).toHaveLength(33);
      expect([official.splits.train.length, official.splits.val.length, official.splits.test.length]).toEqual(
        [32, 64 + 150, 64 + 150],
      );
    },
    GENERATION_TIMEOUT_MS,
  );

  it("refuses a non-empty output folder and a negative seed", async () => {
    const taken = await logolab(["dataset", "synth", "--out", path.join(home, "synth"), "--seed", "1"]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/^logolab: output directory .*synth exists and is not empty\n$/);
    const negative = await logolab(["dataset", "synth", "--out", path.join(home, "other"), "--seed", "-1"]);
    expect(negative.code).toBe(1);
    expect(negative.stderr).toBe('logolab: --seed must be a non-negative integer, got "-1"\n');
  });

  it("needs exactly one of --out and --register", async () => {
    const neither = await logolab(["dataset", "synth", "--seed", "1"]);
    expect(neither).toMatchObject({
      code: 1,
      stderr: "logolab: give either --out <dir> (write the tree only) or --register\n",
    });
  });
});

describe("logolab dataset import|synth --register|list (PostgreSQL)", () => {
  let scratch: ScratchDatabase;
  beforeAll(async () => {
    scratch = await createScratchDatabase();
  });
  afterAll(async () => {
    await scratch?.drop();
  });

  it(
    "imports the generated tree with the OFFICIAL recipe",
    async () => {
      const result = await logolab(
        [
          "dataset",
          "import",
          "--format",
          "flickrlogos32",
          "--path",
          path.join(home, "synth"),
          "--recipe",
          "official",
          "--name",
          "synth-official",
        ],
        { DATABASE_URL: scratch.url },
      );
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^name: {4}synth-official v1 \(FLICKRLOGOS32, OFFICIAL\)$/m);
      expect(result.stdout).toMatch(/^status: {2}READY$/m);
      expect(result.stdout).toMatch(/^images: {2}train 32, val 214, test 214 \(33 classes\)$/m);
    },
    GENERATION_TIMEOUT_MS,
  );

  it("rejects --recipe for an ImageFolder import", async () => {
    const result = await logolab(
      ["dataset", "import", "--format", "image-folder", "--path", home, "--recipe", "article"],
      { DATABASE_URL: scratch.url },
    );
    expect(result).toMatchObject({
      code: 1,
      stderr: "logolab: --recipe applies to --format flickrlogos32 only\n",
    });
  });

  it(
    "generates and registers SynthLogos-32 with --register, then lists both datasets",
    async () => {
      const synth = await logolab(["dataset", "synth", "--register", "--seed", "2", "--scale", "0.01"], {
        DATABASE_URL: scratch.url,
      });
      expect(synth.code).toBe(0);
      expect(synth.stdout).toMatch(/^name: {4}SynthLogos-32 v1 \(SYNTHETIC, ARTICLE\)$/m);
      expect(synth.stdout).toMatch(/^images: {2}train 47, val 47, test 62 \(33 classes\)$/m);

      const list = await logolab(["dataset", "list"], { DATABASE_URL: scratch.url });
      expect(list.code).toBe(0);
      const rows = list.stdout.split("\n").filter((line) => line.includes("READY"));
      expect(rows).toHaveLength(2);
      expect(rows[0]).toMatch(/SynthLogos-32.*SYNTHETIC.*ARTICLE.*READY.*47.*47.*62/);
      expect(rows[1]).toMatch(/synth-official.*FLICKRLOGOS32.*OFFICIAL.*READY.*32.*214.*214/);
    },
    GENERATION_TIMEOUT_MS,
  );
});

import { SingleBar } from "cli-progress";
import { Command, InvalidArgumentError } from "commander";
import type { Config } from "../config";
import type { DatasetProgress, DatasetProgressCallback } from "../datasets/importProgress";
import {
  BACKGROUND_PARTS,
  RANDOMISATION_ELEMENTS,
  type BackgroundPart,
  type RandomisationElement,
  type SplitRecipe,
} from "../vocabulary";
import { LogoLabError, ValidationError } from "../errors";
import type { Dataset, SplitCounts } from "../experiments/datasets";
import type { Registry } from "../experiments/registry";
import type { DatasetPreparation, ImportDatasetRequest } from "../preparation/datasetPreparation";
import type { ProcessLifecycle } from "./processLifecycle";

const IMPORT_FORMATS: Record<string, ImportDatasetRequest["format"]> = {
  flickrlogos32: "FLICKRLOGOS32",
  flickrlogos27: "FLICKRLOGOS27",
  "pascal-voc": "PASCAL_VOC",
  "image-folder": "IMAGE_FOLDER",
};

export function parseImportFormat(value: string): ImportDatasetRequest["format"] {
  const format = IMPORT_FORMATS[value.toLowerCase()];
  if (!format)
    throw new InvalidArgumentError(`format must be one of ${Object.keys(IMPORT_FORMATS).join(", ")}`);
  return format;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a non-negative integer");
  return n;
}

function parseShare(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError("must be a number between 0 and 1");
  return n;
}

function parseRecipe(value: string): SplitRecipe {
  const recipe = value.toUpperCase();
  if (recipe !== "OFFICIAL" && recipe !== "ARTICLE") {
    throw new InvalidArgumentError("recipe must be official or article");
  }
  return recipe;
}

/** One bar per phase (validating, hashing, …) on stderr; silent when stderr is not a terminal. */
class PhaseProgressBar {
  private readonly bar = new SingleBar({
    stream: process.stderr,
    format: "{phase} [{bar}] {value}/{total} | {percentage}% | ETA {eta}s",
    hideCursor: true,
  });
  private phase: DatasetProgress["phase"] | null = null;

  readonly onProgress: DatasetProgressCallback = (step) => {
    if (step.phase !== this.phase) {
      if (this.phase !== null) this.bar.stop();
      this.phase = step.phase;
      this.bar.start(step.total, 0, { phase: step.phase.padEnd(10) });
    }
    this.bar.update(step.done);
  };

  stop(): void {
    if (this.phase !== null) this.bar.stop();
    this.phase = null;
  }
}

/** Opens the database, hands `work` the dataset services, and always closes it. */
async function withDatasets<T>(
  config: Config,
  command: string,
  work: (preparation: DatasetPreparation, registry: Registry, lifecycle: ProcessLifecycle) => Promise<T>,
): Promise<T> {
  // Loaded here, not at the top: building the command line should not load sharp and Prisma.
  const [{ withDatabase }, { createRegistry }, { DatasetPreparation }] = await Promise.all([
    import("./withDatabase.js"),
    import("../experiments/registry.js"),
    import("../preparation/datasetPreparation.js"),
  ]);
  return withDatabase(config, command, (database, lifecycle) => {
    const registry = createRegistry(database.prisma);
    return work(new DatasetPreparation(registry.datasets, config), registry, lifecycle);
  });
}

function formatCounts(counts: SplitCounts): string {
  return `train ${counts.train}, val ${counts.val}, test ${counts.test}`;
}

function describe(dataset: Dataset): string {
  const counts = dataset.splitCounts;
  return [
    `id:      ${dataset.id}`,
    `name:    ${dataset.name} v${dataset.version} (${dataset.format}${dataset.splitRecipe ? `, ${dataset.splitRecipe}` : ""})`,
    `status:  ${dataset.status}${dataset.error ? `: ${dataset.error}` : ""}`,
    `images:  ${formatCounts(counts)} (${dataset.classes.length} classes)`,
    `hash:    ${dataset.contentHash ?? "-"}`,
    `path:    ${dataset.rootPath}`,
  ].join("\n");
}

/** Prints every problem of a failed import (the message names only the first few), then rethrows. */
function reportProblems(error: unknown): never {
  const problems = error instanceof LogoLabError ? error.details.problems : undefined;
  if (Array.isArray(problems) && problems.length > 5) {
    for (const p of problems as { path: string; message: string }[])
      console.error(`  ${p.path}: ${p.message}`);
  }
  throw error;
}

interface ImportOptions {
  format: ImportDatasetRequest["format"];
  path: string;
  recipe?: SplitRecipe;
  name?: string;
  trainPerClass?: number;
  valPerClass?: number;
  valNoLogoShare?: number;
}

async function importCommand(config: Config, options: ImportOptions): Promise<void> {
  if (options.recipe && options.format !== "FLICKRLOGOS32") {
    throw new ValidationError("--recipe applies to --format flickrlogos32 only", { field: "recipe" });
  }
  await withDatasets(config, "logolab dataset import", async (preparation) => {
    const bar = new PhaseProgressBar();
    try {
      const dataset = await preparation
        .import(
          {
            format: options.format,
            path: options.path,
            splitRecipe: options.recipe,
            name: options.name,
            trainPerClass: options.trainPerClass,
            valPerClass: options.valPerClass,
            noLogoValShare: options.valNoLogoShare,
          },
          bar.onProgress,
        )
        .catch(reportProblems);
      bar.stop();
      console.log(describe(dataset));
    } finally {
      bar.stop();
    }
  });
}

const cliName = (element: RandomisationElement) => element.toLowerCase().replace(/_/g, "-");

/**
 * `--without <elements>`: a comma-separated list of domain-randomisation elements to switch off
 * (`sensor-noise,recompression`), or `all`. Returns the elements left on.
 */
export function parseWithout(value: string): RandomisationElement[] {
  const names = value
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== "");
  if (names.includes("all")) return [];
  const off = names.map((name) => {
    const element = RANDOMISATION_ELEMENTS.find((e) => cliName(e) === name);
    if (element === undefined) {
      throw new InvalidArgumentError(
        `unknown element ${JSON.stringify(name)}; one of all, ${RANDOMISATION_ELEMENTS.map(cliName).join(", ")}`,
      );
    }
    return element;
  });
  return RANDOMISATION_ELEMENTS.filter((e) => !off.includes(e));
}
function parseBackgroundPart(value: string): BackgroundPart {
  const part = value.toUpperCase().replace(/-/g, "_");
  if (!(BACKGROUND_PARTS as readonly string[]).includes(part)) {
    throw new InvalidArgumentError("one of training, held-out, all");
  }
  return part as BackgroundPart;
}

interface SynthOptions {
  out?: string;
  register?: boolean;
  seed: string;
  scale?: string;
  name?: string;
  recipe?: SplitRecipe;
  /** Elements left on by `--without`. */
  without?: RandomisationElement[];
  backgrounds?: BackgroundPart;
}

/** `--out`: the tree alone, no database. */
async function synthToDirectory(out: string, options: SynthOptions): Promise<void> {
  if (options.name !== undefined || options.recipe !== undefined) {
    throw new ValidationError("--name and --recipe apply to --register only", { field: "name" });
  }
  const { runSynthCli } = await import("./synthCommand.js");
  const result = await runSynthCli({
    out,
    seed: options.seed,
    scale: options.scale,
    randomisation: options.without,
    backgroundPart: options.backgrounds,
  });
  console.log(
    `wrote ${result.imageCount} images to ${result.dir} in ${(result.elapsedMs / 1000).toFixed(1)} s`,
  );
}

/** `--register`: generate into the managed datasets directory and register, as the API does. */
async function synthAndRegister(config: Config, options: SynthOptions): Promise<void> {
  const seed = Number(options.seed);
  const scale = options.scale === undefined ? undefined : Number(options.scale);
  await withDatasets(
    config,
    "logolab dataset synth --register",
    async (preparation, _registry, lifecycle) => {
      const bar = new PhaseProgressBar();
      // Ctrl-C marks the dataset FAILED at once and stops the generation before the database closes,
      // rather than leaving it GENERATING until a sweep finds it.
      lifecycle.own("the generation", preparation, (p) =>
        p.interruptSynthetic("interrupted: logolab dataset synth was stopped"),
      );
      try {
        const generation = await preparation.startSynthetic(
          {
            seed,
            scale,
            name: options.name,
            splitRecipe: options.recipe,
            randomisation: options.without,
            backgrounds: options.backgrounds,
          },
          bar.onProgress,
        );
        if (generation.isExisting) {
          console.log(`already registered with these settings (${generation.dataset.status})`);
        }
        const dataset = await generation.finished;
        bar.stop();
        console.log(describe(dataset));
        if (dataset.status === "FAILED") throw new Error(`generation failed: ${dataset.error}`);
      } finally {
        bar.stop();
      }
    },
  );
}

async function synthCommand(config: Config, options: SynthOptions): Promise<void> {
  if ((options.out === undefined) === !options.register) {
    throw new ValidationError("give either --out <dir> (write the tree only) or --register", {
      field: "out",
    });
  }
  if (options.out !== undefined) await synthToDirectory(options.out, options);
  else await synthAndRegister(config, options);
}

async function listCommand(config: Config): Promise<void> {
  await withDatasets(config, "logolab dataset list", async (_preparation, registry) => {
    const rows: Dataset[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await registry.datasets.list({ first: 100, after });
      rows.push(...page.nodes);
      if (!page.hasNextPage) break;
      after = page.cursors[page.cursors.length - 1];
    }
    if (rows.length === 0) {
      console.log("no datasets registered");
      return;
    }
    console.table(
      rows.map((d) => {
        const counts = d.splitCounts;
        return {
          id: d.id,
          name: d.name,
          version: d.version,
          format: d.format,
          recipe: d.splitRecipe ?? "",
          status: d.status,
          progress: d.progress === null ? "" : `${Math.round(d.progress * 100)}%`,
          train: counts.train,
          val: counts.val,
          test: counts.test,
          hash: d.contentHash?.slice(0, 12) ?? "",
          error: d.error ?? "",
        };
      }),
    );
  });
}

/** Adds `logolab dataset import|synth|list` to the command line. */
export function registerDatasetCommands(program: Command, config: Config): void {
  const dataset = program.command("dataset").description("import, generate and list datasets");
  dataset
    .command("import")
    .description("validate, hash and register a dataset; on any problem nothing is registered")
    .requiredOption(
      "--format <format>",
      "flickrlogos32 | flickrlogos27 | pascal-voc | image-folder",
      parseImportFormat,
    )
    .requiredOption("--path <dir>", "directory to import (FlickrLogos-32: FlickrLogos-v2 or its parent)")
    .option(
      "--recipe <recipe>",
      "FlickrLogos-32 split recipe: official | article (default article)",
      parseRecipe,
    )
    .option(
      "--train-per-class <n>",
      "flickrlogos27 / pascal-voc: images of each brand for train (default 10)",
      parseCount,
    )
    .option("--val-per-class <n>", "… then for val (default 2); the rest go to test", parseCount)
    .option("--val-no-logo-share <share>", "… share of the no-logo images for val (default 0.5)", parseShare)
    .option("--name <name>", "registry name (default FlickrLogos-32, FlickrLogos-27 or the folder name)")
    .action((options: ImportOptions) => importCommand(config, options));
  dataset
    .command("synth")
    .description(
      "generate SynthLogos-32: --out writes the FlickrLogos-32 tree only (no database); " +
        "--register generates, imports and registers it",
    )
    .option("--out <dir>", "empty or new directory to write the tree to")
    .option("--register", "register it as a dataset (needs the database)")
    .option("--seed <n>", "non-negative integer seed", "1")
    .option("--scale <k>", "multiple of FlickrLogos-32's split sizes (default 1)")
    .option(
      "--without <elements>",
      `domain-randomisation elements to switch off, comma-separated, or all: ${RANDOMISATION_ELEMENTS.map(cliName).join(", ")} (default: all on)`,
      parseWithout,
    )
    .option(
      "--backgrounds <part>",
      "background photos to draw on: training (default), held-out (an evaluation set on photos training never saw) or all",
      parseBackgroundPart,
    )
    .option("--name <name>", "registry name with --register (default SynthLogos-32)")
    .option(
      "--recipe <recipe>",
      "split recipe with --register: official | article (default article)",
      parseRecipe,
    )
    .action((options: SynthOptions) => synthCommand(config, options));
  dataset
    .command("list")
    .description("list registered datasets, newest first")
    .action(() => listCommand(config));
}

import { readFile } from "node:fs/promises";
import { SingleBar } from "cli-progress";
import { Command, InvalidArgumentError } from "commander";
import type { Config } from "../config";
import type { Evaluation } from "../experiments/evaluations";
import { isId } from "../experiments/ids";
import type { Registry } from "../experiments/registry";
import type { DatasetPreparation, ImportDatasetRequest } from "../preparation/datasetPreparation";
import type { ServingRuntime } from "../serving/servingRuntime";
import { DATASET_SPLITS, type DatasetSplit } from "../vocabulary";
import { parseImportFormat } from "./datasetCommands";

/**
 * Opens the database (through a running server's socket when it holds the embedded one) and the
 * serving machinery (the Classifier), runs `work`; Ctrl-C or the end closes both.
 */
async function withServing<T>(
  config: Config,
  command: string,
  work: (serving: ServingRuntime, registry: Registry, preparation: DatasetPreparation) => Promise<T>,
): Promise<T> {
  // Loaded when the command runs, so `--help` and other commands do not load TensorFlow.js.
  const [{ withDatabase }, { createRegistry }, { DatasetPreparation }, { createServingRuntime }] =
    await Promise.all([
      import("./withDatabase.js"),
      import("../experiments/registry.js"),
      import("../preparation/datasetPreparation.js"),
      import("../serving/servingRuntime.js"),
    ]);
  return withDatabase(config, command, (database, lifecycle) => {
    const registry = createRegistry(database.prisma);
    const serving = lifecycle.own("the classifier", createServingRuntime(config, registry), (s) => s.close());
    return work(serving, registry, new DatasetPreparation(registry.datasets, config));
  });
}

function parseSplit(value: string): DatasetSplit {
  const split = value.toUpperCase();
  if (!(DATASET_SPLITS as readonly string[]).includes(split)) {
    throw new InvalidArgumentError(`split must be one of ${DATASET_SPLITS.join(", ").toLowerCase()}`);
  }
  return split as DatasetSplit;
}

function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a positive integer");
  return n;
}

const percent = (value: number | null) => (value === null ? "-" : `${(value * 100).toFixed(1)}%`);
const decimal = (value: number | null) => (value === null ? "-" : value.toFixed(3));

/** The most frequent (truth → answer) mistakes of a confusion matrix, most frequent first. */
export function topConfusions(
  evaluation: Evaluation,
  count: number,
): { truth: string; predicted: string; images: number }[] {
  const matrix = evaluation.confusionMatrix;
  if (!matrix) return [];
  return matrix.counts
    .flatMap((row, t) =>
      row.map((images, p) => ({ truth: matrix.labels[t], predicted: matrix.labels[p], images })),
    )
    .filter((cell) => cell.truth !== cell.predicted && cell.images > 0)
    .sort((a, b) => b.images - a.images || (a.truth < b.truth ? -1 : 1))
    .slice(0, count);
}

/** The printed report of a finished evaluation: scores beside the baseline, per class, top confusions. */
export function formatEvaluation(evaluation: Evaluation): string {
  if (evaluation.status !== "SUCCEEDED")
    return `evaluation ${evaluation.id} ${evaluation.status}: ${evaluation.error ?? ""}`;
  const lines = [
    `evaluation ${evaluation.id}: ${evaluation.imageCount} images of split ${evaluation.split}`,
    `accuracy           ${percent(evaluation.accuracy)}   (always the most frequent class: ${percent(evaluation.majorityBaselineAccuracy)})`,
    `macro-F1           ${decimal(evaluation.macroF1)}   (over the dataset's classes in the split)`,
    `recognition        precision ${percent(evaluation.recognitionPrecision)}, recall ${percent(evaluation.recognitionRecall)}`,
    `no-logo threshold  ${decimal(evaluation.noLogoThreshold)}`,
    "",
    `${"class".padEnd(16)} ${"precision".padStart(9)} ${"recall".padStart(7)} ${"F1".padStart(6)} ${"images".padStart(6)}`,
    ...evaluation.perClass
      .filter((m) => m.support > 0)
      .map(
        (m) =>
          `${m.label.padEnd(16)} ${decimal(m.precision).padStart(9)} ${decimal(m.recall).padStart(7)} ${decimal(m.f1).padStart(6)} ${String(m.support).padStart(6)}`,
      ),
  ];
  const confusions = topConfusions(evaluation, 10);
  if (confusions.length > 0) {
    lines.push("", "most common mistakes (true class → answer):");
    for (const c of confusions) lines.push(`  ${c.truth} → ${c.predicted}: ${c.images}`);
  }
  return lines.join("\n");
}

interface EvaluateOptions {
  model: string;
  dataset: string;
  split: DatasetSplit;
  format?: ImportDatasetRequest["format"];
}

async function evaluateCommand(config: Config, options: EvaluateOptions): Promise<void> {
  await withServing(config, "logolab evaluate", async (serving, registry, preparation) => {
    let datasetId = options.dataset;
    if (!isId(options.dataset)) {
      const dataset = await preparation.import({
        format: options.format ?? "IMAGE_FOLDER",
        path: options.dataset,
      });
      console.error(`dataset ${dataset.name} v${dataset.version} (${dataset.id})`);
      datasetId = dataset.id;
    }
    const bar = new SingleBar({
      stream: process.stderr,
      format: "evaluating [{bar}] {value}/{total} images | {percentage}% | ETA {eta}s",
      hideCursor: true,
    });
    const start = await serving.evaluations.start(
      { model: options.model, datasetId, split: options.split },
      (done, total) => (done === 1 ? bar.start(total, done) : bar.update(done)),
    );
    const finished = await start.finished;
    bar.stop();
    const served = await registry.modelAliases.resolveForServing(options.model);
    console.log(
      `model ${options.model} (run ${finished.runId}${served ? `, epoch ${served.checkpoint.epoch}` : ""})`,
    );
    console.log(formatEvaluation(finished));
    if (finished.status !== "SUCCEEDED") process.exitCode = 1;
  });
}

interface ClassifyOptions {
  model: string;
  top: number;
}

async function classifyCommand(config: Config, images: string[], options: ClassifyOptions): Promise<void> {
  await withServing(config, "logolab classify", async (serving) => {
    for (const file of images) {
      const outcome = await serving.serving.classifyBytes(await readFile(file), options.model, options.top);
      if (outcome.kind !== "classification") {
        console.log(`${file}: ${outcome.message}`);
        process.exitCode = 1;
        continue;
      }
      const box = outcome.box
        ? ` box x=${Math.round(outcome.box.x)} y=${Math.round(outcome.box.y)} w=${Math.round(outcome.box.width)} h=${Math.round(outcome.box.height)}`
        : "";
      const top = outcome.topK.map((t) => `${t.label} ${t.probability.toFixed(3)}`).join(", ");
      console.log(
        `${file}: ${outcome.label} (${outcome.probability.toFixed(3)})${box} | top ${top} | ${outcome.modelVersion}`,
      );
    }
  });
}

/** Adds `logolab evaluate` and `logolab classify`. */
export function registerModelCommands(program: Command, config: Config): void {
  program
    .command("evaluate")
    .description("score a model on a dataset split through the serving path and print the report")
    .option("--model <alias-or-run>", "model alias or run id", "production")
    .requiredOption("--dataset <id-or-path>", "a READY dataset id, or a folder to import first")
    .option(
      "--format <format>",
      "format of a folder to import (image-folder, flickrlogos32)",
      parseImportFormat,
    )
    .option("--split <split>", "train, val or test", parseSplit, "TEST" as DatasetSplit)
    .action((options: EvaluateOptions) => evaluateCommand(config, options));
  program
    .command("classify <images...>")
    .description("classify image files with a model: label, probability, box and top labels")
    .option("--model <alias-or-run>", "model alias or run id", "production")
    .option("--top <n>", "how many top labels to print", parsePositiveInteger, 3)
    .action((images: string[], options: ClassifyOptions) => classifyCommand(config, images, options));
}

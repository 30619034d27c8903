/**
 * bench:quality — does the recommended recipe recognise logos? LOCALIZER end to end on this machine.
 *
 *   1. Generates a training set with the product's generator (seed A, `--per-brand` logo images per
 *      brand + no-logo images, background photos of the `train` part) and a held-out set (seed B,
 *      background photos of the `heldOut` part, which training never sees).
 *   2. Trains the recommended recipe (`architecture: LOCALIZER`, its defaults) through `train()`
 *      with an empty cache directory: feature extraction and head training are both timed.
 *   3. Classifies every held-out image one at a time through the Classifier (the engine behind
 *      `classifyImage`: decoding, whole-image view, no-logo threshold, box) and scores the answers.
 *   4. When `../shared/data/flickrlogos27-dev` (real photos, FlickrLogos-27 layout) is present:
 *      the same model on those photos (imported with the FlickrLogos-27 importer; measurement only,
 *      never trained on).
 * Baseline: always answering the training set's majority class ("no-logo").
 * Last line: `bench:quality macro_f1=<x> accuracy=<y> baseline=<z> train_s=<t> classify_p50_ms=<p> real_macro_f1=<r|na>`.
 *
 * Run: npm run bench:quality -- [--brands 32] [--per-brand 100] [--val-per-brand 15]
 *      [--held-out-per-brand 20] [--no-logo <n>] [--epochs <n>] [--trainable-layers 4|head] [--image-size 320] [--seed <n>] [--copy-paste]
 *      [--keep <dir>] [--real <FlickrLogos-27 dir>]
 *      [--without <elements|all>]   (domain randomisation switched off in the training set: ablations)
 *      [--test-sizes 256,416]       (the trained model also classified at these input sizes, alone and
 *                                    averaged with the trained size: a table before the last line)
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  DEFAULT_RANDOMISATION,
  RANDOMISATION_ELEMENTS,
  elementsOf,
  randomisationOf,
  type Randomisation,
} from "../src/datasets/domainRandomisation";
import { planFlickrLogos27Import } from "../src/datasets/flickrLogos27Importer";
import { SYNTHLOGOS32_BRANDS } from "../src/datasets/synthBrands";
import {
  generateSynthLogos32,
  loadSynthResources,
  type SynthImageRecord,
  type SynthResources,
  type SynthSizes,
} from "../src/datasets/synthLogos32";
import type { BackgroundPart } from "../src/vocabulary";
import { selectBackend } from "../src/ml/backend";
import { withDefaults } from "../src/ml/hyperparameters";
import { NO_LOGO_LABEL } from "../src/ml/noLogoThreshold";
import { train, type TrainingData } from "../src/ml/train";
import { Classifier } from "../src/serving/classifier";
import { benchArguments } from "./support/benchArguments";
import { generatedItems } from "./support/generatedItems";
import { errorLines, fixed, score, type Scores } from "./support/classifierScores";
import { testSizeTable } from "./support/testSizes";

// Compiled to dist/bench-quality/bench/: the repository root is three folders up.
const REPOSITORY_ROOT = path.resolve(__dirname, "../../..");
const BACKGROUNDS_DIR = path.join(REPOSITORY_ROOT, "data/backgrounds");
const REAL_DEV_SET = path.resolve(REPOSITORY_ROOT, "../shared/data/flickrlogos27-dev");

interface Options {
  brands: number;
  perBrand: number;
  valPerBrand: number;
  heldOutPerBrand: number;
  noLogo: number | undefined;
  epochs: number | undefined;
  /** LOCALIZER `trainableLayers`: 4 (the default: the backbone's top layers fine-tuned) or HEAD (frozen). */
  trainableLayers: "HEAD" | number | undefined;
  imageSize: number | undefined;
  /** The training seed (head initialisation, sampling order, negatives); the data's seeds stay fixed. */
  seed: number | undefined;
  keep: string | undefined;
  real: string;
  isCopyPaste: boolean;
  /** Other input sizes the trained model is also measured at (`--test-sizes 256,416`). */
  testSizes: number[];
  /** Domain randomisation of the training set (`--without <elements|all>`); the held-out set always has all of it. */
  trainingRandomisation: Randomisation;
}

/** `--without sensor-noise,recompression` or `--without all`: the training set's elements left on. */
function parseWithout(text: string | undefined): Randomisation {
  if (text === undefined) return DEFAULT_RANDOMISATION;
  const names = text.split(",").map((name) => name.trim().toUpperCase().replace(/-/g, "_"));
  if (names.includes("ALL")) return randomisationOf([]);
  for (const name of names) {
    if (!(RANDOMISATION_ELEMENTS as readonly string[]).includes(name))
      throw new Error(`--without: unknown element ${name}`);
  }
  return randomisationOf(RANDOMISATION_ELEMENTS.filter((element) => !names.includes(element)));
}

function parseOptions(argv: string[]): Options {
  const { value, int, flag, layers } = benchArguments(argv);
  return {
    brands: Math.min(SYNTHLOGOS32_BRANDS.length, int("brands", SYNTHLOGOS32_BRANDS.length)!),
    perBrand: int("per-brand", 100)!,
    valPerBrand: int("val-per-brand", 15)!,
    heldOutPerBrand: int("held-out-per-brand", 20)!,
    noLogo: int("no-logo", undefined),
    epochs: int("epochs", undefined),
    trainableLayers: layers("trainable-layers"),
    imageSize: int("image-size", undefined),
    seed: int("seed", undefined),
    keep: value("keep"),
    trainingRandomisation: parseWithout(value("without")),
    real: value("real") ?? REAL_DEV_SET,
    isCopyPaste: flag("copy-paste"),
    testSizes: parseSizes(value("test-sizes")),
  };
}

/** `--test-sizes 256,416` → [256, 416]; absent → []. */
function parseSizes(text: string | undefined): number[] {
  if (text === undefined) return [];
  return text.split(",").map((part) => {
    const size = Number(part.trim());
    if (!Number.isInteger(size) || size < 64 || size > 512)
      throw new Error(`--test-sizes: ${part} is not an input size in [64, 512]`);
    return size;
  });
}

function log(message: string): void {
  process.stderr.write(`[bench:quality] ${message}\n`);
}

async function generate(
  out: string,
  seed: string,
  sizes: SynthSizes,
  options: Options,
  resources: SynthResources,
  backgroundPart: BackgroundPart,
  randomisation: Randomisation,
): Promise<{ dir: string; images: SynthImageRecord[] }> {
  const brands = SYNTHLOGOS32_BRANDS.slice(0, options.brands);
  const startedAt = performance.now();
  const { dir, manifest } = await generateSynthLogos32({
    out,
    seed,
    sizes,
    brands,
    resources,
    backgroundsDir: BACKGROUNDS_DIR,
    backgroundPart,
    randomisation,
  });
  log(`generated ${manifest.images.length} images (seed ${seed}) in ${seconds(startedAt).toFixed(0)} s`);
  return { dir, images: manifest.images };
}

function seconds(since: number): number {
  return (performance.now() - since) / 1000;
}

/** A generated set's images of one split, as files and their true class. */
function splitFiles(
  set: { dir: string; images: SynthImageRecord[] },
  split: string,
): { file: string; truth: string }[] {
  return set.images
    .filter((image) => image.split === split)
    .map((image) => ({ file: path.join(set.dir, image.relpath), truth: image.className }));
}

/** The real photos whose class the model knows (brands outside `--brands` are left out). */
async function realPhotos(root: string, labels: string[]): Promise<{ file: string; truth: string }[]> {
  const manifest = await planFlickrLogos27Import(root);
  return [...manifest.splits.train, ...manifest.splits.val, ...manifest.splits.test]
    .filter((entry) => labels.includes(entry.className))
    .map((entry) => ({ file: path.join(root, entry.sourceRelpath), truth: entry.className }));
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const { backend } = await selectBackend("auto");
  const work = options.keep ?? (await mkdtemp(path.join(os.tmpdir(), "logolab-bench-quality-")));
  const brands = SYNTHLOGOS32_BRANDS.slice(0, options.brands);
  const noLogo = options.noLogo ?? Math.round((options.brands * options.perBrand) / 4);
  log(
    `${backend}; ${options.brands} brands, ${options.perBrand} training logos per brand + ${noLogo} no-logo; work dir ${work}`,
  );
  const off = RANDOMISATION_ELEMENTS.filter((element) => !options.trainingRandomisation[element]);
  log(
    `training-set randomisation: ${off.length === 0 ? "every element on" : `off: ${off.join(", ")}`} (${elementsOf(options.trainingRandomisation).length} on)`,
  );
  try {
    const all = await loadSynthResources(brands, BACKGROUNDS_DIR);
    const training = await generate(
      path.join(work, "train"),
      "bench-quality-A",
      {
        trainPerBrand: options.perBrand,
        valPerBrand: options.valPerBrand,
        testPerBrand: 0,
        trainNoLogo: noLogo,
        valNoLogo: Math.round((options.brands * options.valPerBrand) / 3),
        testNoLogo: 0,
      },
      options,
      all,
      "TRAINING",
      options.trainingRandomisation,
    );
    const heldOut = await generate(
      path.join(work, "held-out"),
      "bench-quality-B",
      {
        trainPerBrand: 0,
        valPerBrand: 0,
        testPerBrand: options.heldOutPerBrand,
        trainNoLogo: 0,
        valNoLogo: 0,
        testNoLogo: Math.round((options.brands * options.heldOutPerBrand) / 3),
      },
      options,
      all,
      "HELD_OUT",
      DEFAULT_RANDOMISATION,
    );
    const labels = [...brands.map((b) => b.className), NO_LOGO_LABEL].sort();
    const data: TrainingData = {
      labels,
      train: generatedItems(training.dir, training.images, "train", labels),
      validation: generatedItems(training.dir, training.images, "val", labels),
    };
    const hyperparameters = withDefaults({
      architecture: "LOCALIZER",
      ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
      ...(options.trainableLayers === undefined ? {} : { trainableLayers: options.trainableLayers }),
      ...(options.imageSize === undefined ? {} : { imageSize: options.imageSize }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.isCopyPaste ? { augmentations: ["COPY_PASTE" as const] } : {}),
    });
    const cacheDir = path.join(work, "cache");
    await rm(cacheDir, { recursive: true, force: true });
    const startedAt = performance.now();
    let extractionSeconds = NaN;
    let extractionTenths = 0;
    const result = await train({
      hyperparameters,
      data,
      checkpointDir: path.join(work, "run"),
      cacheDir,
      onBatch: (progress) => {
        if (progress.phase === "EMBEDDING") {
          const tenth = Math.floor((10 * progress.imagesDone) / progress.imagesTotal);
          if (tenth > extractionTenths) {
            extractionTenths = tenth;
            log(
              `feature maps: ${progress.imagesDone}/${progress.imagesTotal} images (${progress.imagesPerSecond.toFixed(1)}/s)`,
            );
          }
        }
        if (progress.phase === "TRAINING" && Number.isNaN(extractionSeconds)) {
          extractionSeconds = seconds(startedAt);
          log(
            `feature maps of the training (COPY_PASTE composites included) and validation images in ${extractionSeconds.toFixed(0)} s`,
          );
        }
      },
      onEpoch: (metrics) =>
        log(
          `epoch ${metrics.epoch}: loss ${metrics.loss.toFixed(3)} val macro-F1 ${metrics.valMacroF1.toFixed(3)} accuracy ${metrics.valAccuracy.toFixed(3)} (${(metrics.durationMs / 1000).toFixed(0)} s)`,
        ),
    });
    const trainSeconds = seconds(startedAt);
    const best = result.epochs.find((m) => m.epoch === result.bestEpoch)!;
    const classifier = new Classifier({ isBatchingEnabled: false });
    const trainLabels = data.train.map((item) => item.label);
    let synthetic: Scores;
    let real: Scores | undefined;
    let testSizeLines: string[] = [];
    try {
      const heldOutFiles = splitFiles(heldOut, "test");
      synthetic = await score(classifier, result.bestCheckpoint!, labels, heldOutFiles, trainLabels);
      const realFiles = existsSync(options.real) ? await realPhotos(options.real, labels) : undefined;
      if (realFiles !== undefined) {
        real = await score(classifier, result.bestCheckpoint!, labels, realFiles, trainLabels);
      } else {
        log(`no real photos at ${options.real}: real_macro_f1=na`);
      }
      if (options.testSizes.length > 0) {
        log(`classifying validation, held-out and real images again at ${options.testSizes.join(", ")} px`);
        testSizeLines = await testSizeTable(
          classifier,
          result.bestCheckpoint!,
          options.testSizes,
          {
            validation: splitFiles(training, "val"),
            heldOut: heldOutFiles,
            ...(realFiles ? { real: realFiles } : {}),
          },
          labels,
          work,
        );
      }
    } finally {
      await classifier.close();
    }
    const rows: [string, string, string][] = [
      ["images (held-out synthetic / real)", `${synthetic.images}`, real ? `${real.images}` : "absent"],
      ["accuracy", fixed(synthetic.accuracy), real ? fixed(real.accuracy) : "na"],
      ["macro-F1", fixed(synthetic.macroF1), real ? fixed(real.macroF1) : "na"],
      ["no-logo recall", fixed(synthetic.noLogoRecall), real ? fixed(real.noLogoRecall) : "na"],
      ["no-logo precision", fixed(synthetic.noLogoPrecision), real ? fixed(real.noLogoPrecision) : "na"],
      [
        "brand in the top 3 (logo images, no threshold)",
        fixed(synthetic.topThreeBrand),
        real ? fixed(real.topThreeBrand) : "na",
      ],
      [
        "majority baseline accuracy (training majority class)",
        fixed(synthetic.baseline),
        real ? fixed(real.baseline) : "na",
      ],
      [
        "accuracy / baseline",
        fixed(synthetic.accuracy / synthetic.baseline, 2),
        real ? fixed(real.accuracy / real.baseline, 2) : "na",
      ],
      [
        "classify p50 / p95 ms (concurrency 1)",
        `${fixed(synthetic.p50Ms, 0)} / ${fixed(synthetic.p95Ms, 0)}`,
        real ? `${fixed(real.p50Ms, 0)} / ${fixed(real.p95Ms, 0)}` : "na",
      ],
    ];
    console.log(
      `\nLOCALIZER ${hyperparameters.imageSize} px${hyperparameters.trainableLayers === "HEAD" ? "" : `, top ${hyperparameters.trainableLayers} backbone layers fine-tuned`}${options.isCopyPaste ? " + COPY_PASTE" : ""}, ${options.brands} brands × ${options.perBrand} + ${noLogo} no-logo training images, ${data.validation.length} validation, training seed ${hyperparameters.seed}; best epoch ${result.bestEpoch}/${hyperparameters.epochs} (val macro-F1 ${fixed(best.valMacroF1)}, no-logo threshold ${fixed(best.noLogoThreshold ?? NaN)}); ${backend}`,
    );
    console.log(`| measure | held-out synthetic | real photos (FlickrLogos-27 dev) |`);
    console.log(`|---|---|---|`);
    for (const row of rows) console.log(`| ${row.join(" | ")} |`);
    console.log(
      `| feature extraction s / head training s / total train s | ${fixed(extractionSeconds, 0)} / ${fixed(trainSeconds - extractionSeconds, 0)} / ${fixed(trainSeconds, 0)} | |`,
    );
    for (const [name, scores] of [
      ["held-out synthetic", synthetic],
      ["real photos", real],
    ] as const) {
      if (scores === undefined) continue;
      for (const line of errorLines(name, scores)) console.log(line);
    }
    if (testSizeLines.length > 0) {
      console.log(
        `\nThe same model at other input sizes (measurement only: classifyImage serves ${hyperparameters.imageSize} px):`,
      );
      for (const line of testSizeLines) console.log(line);
    }
    console.log(
      `bench:quality macro_f1=${fixed(synthetic.macroF1)} accuracy=${fixed(synthetic.accuracy)} baseline=${fixed(synthetic.baseline)} train_s=${fixed(trainSeconds, 0)} classify_p50_ms=${fixed(synthetic.p50Ms, 0)} real_macro_f1=${real ? fixed(real.macroF1) : "na"}`,
    );
  } finally {
    if (options.keep === undefined) await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

/**
 * bench:real — the localizer's real-data path: trained on real photos, scored on other real photos.
 *
 *   1. Plans the import of a FlickrLogos-27 tree (default `../shared/data/flickrlogos27-dev`: real
 *      photos for measurement only, never committed) with the product's importer:
 *      `--train-per-class` (8) and `--val-per-class` (2) photos of each brand, the rest and the
 *      no-logo photos (half of them validate) for the test.
 *   2. With `--synthetic-per-brand N`, adds N generated logos of every brand the generator shares
 *      with the photos (plus N·brands/4 no-logo images) to the training split.
 *   3. Trains the recommended recipe (`architecture: LOCALIZER`, its defaults; `--copy-paste`,
 *      `--epochs`) through `train()` with an empty cache directory.
 *   4. Classifies every test photo one at a time through the Classifier (the engine behind
 *      `classifyImage` and `evaluateModel`) and scores the answers.
 * Baseline: always answering the test split's most frequent class (no-logo).
 * Last line: `bench:real macro_f1=<x> accuracy=<y> baseline=<z> train_s=<t> classify_p50_ms=<p>`
 * (all `na` when the photos are absent).
 *
 * Run: npm run bench:real -- [--real <dir>] [--train-per-class 8] [--val-per-class 2]
 *      [--synthetic-per-brand 0] [--epochs <n>] [--trainable-layers 4|head] [--copy-paste] [--keep <dir>]
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { planFlickrLogos27Import } from "../src/datasets/flickrLogos27Importer";
import { SYNTHLOGOS32_BRANDS } from "../src/datasets/synthBrands";
import { generateSynthLogos32, loadSynthResources } from "../src/datasets/synthLogos32";
import { trainingDataOf } from "../src/jobs/trainingData";
import { selectBackend } from "../src/ml/backend";
import type { LabeledImage } from "../src/ml/batches";
import { withDefaults } from "../src/ml/hyperparameters";
import { train, type TrainingData } from "../src/ml/train";
import { Classifier } from "../src/serving/classifier";
import { benchArguments } from "./support/benchArguments";
import { generatedItems } from "./support/generatedItems";
import { errorLines, fixed, score } from "./support/classifierScores";

// Compiled to dist/bench-real/bench/: the repository root is three folders up.
const REPOSITORY_ROOT = path.resolve(__dirname, "../../..");
const BACKGROUNDS_DIR = path.join(REPOSITORY_ROOT, "data/backgrounds");
const REAL_DEV_SET = path.resolve(REPOSITORY_ROOT, "../shared/data/flickrlogos27-dev");

interface Options {
  real: string;
  trainPerClass: number;
  valPerClass: number;
  syntheticPerBrand: number;
  epochs: number | undefined;
  /** LOCALIZER `trainableLayers`: 4 (the default: the backbone's top layers fine-tuned) or HEAD (frozen). */
  trainableLayers: "HEAD" | number | undefined;
  isCopyPaste: boolean;
  keep: string | undefined;
}

function parseOptions(argv: string[]): Options {
  const { value, int, flag, layers } = benchArguments(argv);
  return {
    real: value("real") ?? REAL_DEV_SET,
    trainPerClass: int("train-per-class", 8)!,
    valPerClass: int("val-per-class", 2)!,
    syntheticPerBrand: int("synthetic-per-brand", 0)!,
    epochs: int("epochs", undefined),
    trainableLayers: layers("trainable-layers"),
    isCopyPaste: flag("copy-paste"),
    keep: value("keep"),
  };
}

function log(message: string): void {
  process.stderr.write(`[bench:real] ${message}\n`);
}

const seconds = (since: number): number => (performance.now() - since) / 1000;

/** Generated training images of the photos' brands the generator knows, labelled in `labels`. */
async function syntheticTrainingItems(
  work: string,
  perBrand: number,
  labels: string[],
): Promise<LabeledImage[]> {
  const brands = SYNTHLOGOS32_BRANDS.filter((brand) => labels.includes(brand.className));
  const startedAt = performance.now();
  const { dir, manifest } = await generateSynthLogos32({
    out: path.join(work, "synthetic"),
    seed: "bench-real-synthetic",
    sizes: {
      trainPerBrand: perBrand,
      valPerBrand: 0,
      testPerBrand: 0,
      trainNoLogo: Math.round((brands.length * perBrand) / 4),
      valNoLogo: 0,
      testNoLogo: 0,
    },
    brands,
    resources: await loadSynthResources(brands, BACKGROUNDS_DIR),
    backgroundsDir: BACKGROUNDS_DIR,
    backgroundPart: "TRAINING",
  });
  log(
    `generated ${manifest.images.length} images of ${brands.length} shared brands in ${seconds(startedAt).toFixed(0)} s`,
  );
  return generatedItems(dir, manifest.images, "train", labels);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!existsSync(options.real)) {
    log(`no real photos at ${options.real}`);
    console.log("bench:real macro_f1=na accuracy=na baseline=na train_s=na classify_p50_ms=na");
    return;
  }
  const { backend } = await selectBackend("auto");
  const work = options.keep ?? (await mkdtemp(path.join(os.tmpdir(), "logolab-bench-real-")));
  try {
    const manifest = await planFlickrLogos27Import(options.real, {
      split: { trainPerClass: options.trainPerClass, valPerClass: options.valPerClass, noLogoValShare: 0.5 },
    });
    // The plan names each photo where it lies in the source tree: train on the tree as it is.
    for (const split of Object.values(manifest.splits))
      for (const entry of split) entry.relpath = entry.sourceRelpath ?? entry.relpath;
    const real = trainingDataOf(manifest, options.real);
    const synthetic =
      options.syntheticPerBrand > 0
        ? await syntheticTrainingItems(work, options.syntheticPerBrand, real.labels)
        : [];
    const data: TrainingData = { ...real, train: [...real.train, ...synthetic], test: undefined };
    const test = real.test ?? [];
    log(
      `${backend}; ${real.labels.length - 1} brands; train ${real.train.length} real + ${synthetic.length} generated, validation ${data.validation.length}, test ${test.length} photos; work dir ${work}`,
    );
    const hyperparameters = withDefaults({
      architecture: "LOCALIZER",
      ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
      ...(options.trainableLayers === undefined ? {} : { trainableLayers: options.trainableLayers }),
      ...(options.isCopyPaste ? { augmentations: ["COPY_PASTE" as const] } : {}),
    });
    const startedAt = performance.now();
    const result = await train({
      hyperparameters,
      data,
      checkpointDir: path.join(work, "run"),
      cacheDir: path.join(work, "cache"),
      onEpoch: (metrics) =>
        log(
          `epoch ${metrics.epoch}: loss ${metrics.loss.toFixed(3)} val macro-F1 ${metrics.valMacroF1.toFixed(3)} (${(metrics.durationMs / 1000).toFixed(0)} s)`,
        ),
    });
    const trainSeconds = seconds(startedAt);
    const best = result.epochs.find((m) => m.epoch === result.bestEpoch)!;
    const classifier = new Classifier({ isBatchingEnabled: false });
    const files = test.map((item) => ({
      file: item.source as string,
      truth: real.labels[item.label],
    }));
    const testLabels = test.map((item) => item.label);
    let scores;
    try {
      scores = await score(classifier, result.bestCheckpoint!, real.labels, files, testLabels);
    } finally {
      await classifier.close();
    }
    console.log(
      `\nLOCALIZER ${hyperparameters.imageSize} px${hyperparameters.trainableLayers === "HEAD" ? "" : `, top ${hyperparameters.trainableLayers} backbone layers fine-tuned`}${options.isCopyPaste ? " + COPY_PASTE" : ""} on real photos (${options.trainPerClass} train + ${options.valPerClass} validation per brand${synthetic.length > 0 ? `, + ${options.syntheticPerBrand} generated per shared brand` : ""}); best epoch ${result.bestEpoch}/${hyperparameters.epochs} (val macro-F1 ${fixed(best.valMacroF1)}, no-logo threshold ${fixed(best.noLogoThreshold ?? NaN)}); ${backend}`,
    );
    console.log("| measure | test photos | baseline (always no-logo) | ratio |");
    console.log("|---|---|---|---|");
    console.log(`| images | ${scores.images} | | |`);
    console.log(
      `| accuracy | ${fixed(scores.accuracy)} | ${fixed(scores.baseline)} | ${fixed(scores.accuracy / scores.baseline, 2)}× |`,
    );
    console.log(`| macro-F1 | ${fixed(scores.macroF1)} | | |`);
    console.log(
      `| no-logo recall / precision | ${fixed(scores.noLogoRecall)} / ${fixed(scores.noLogoPrecision)} | | |`,
    );
    console.log(`| brand in the top 3 (logo photos, no threshold) | ${fixed(scores.topThreeBrand)} | | |`);
    console.log(`| classify p50 / p95 ms | ${fixed(scores.p50Ms, 0)} / ${fixed(scores.p95Ms, 0)} | | |`);
    console.log(`| train s | ${fixed(trainSeconds, 0)} | | |`);
    for (const line of errorLines("test photos", scores)) console.log(line);
    console.log(
      `bench:real macro_f1=${fixed(scores.macroF1)} accuracy=${fixed(scores.accuracy)} baseline=${fixed(scores.baseline)} train_s=${fixed(trainSeconds, 0)} classify_p50_ms=${fixed(scores.p50Ms, 0)}`,
    );
  } finally {
    if (options.keep === undefined) await rm(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

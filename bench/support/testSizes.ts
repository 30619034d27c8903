import { cp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { classificationReport, decide } from "../../src/ml/evaluate";
import { chooseThresholdForMacroF1 } from "../../src/ml/localizer/imageDecision";
import { NO_LOGO_LABEL } from "../../src/ml/noLogoThreshold";
import type { Classifier } from "../../src/serving/classifier";
import { fixed } from "./classifierScores";

/** Image files and their true class, one set of a benchmark. */
export type LabelledFiles = { file: string; truth: string }[];

/** The sets a test-size measurement scores: validation picks τ, the others are judged at it. */
export interface TestSizeSets {
  validation: LabelledFiles;
  heldOut: LabelledFiles;
  real?: LabelledFiles;
}

/** Every class probability of every image, `[images, labels]` row-major, from the Classifier's answers. */
async function probabilitiesOf(
  classifier: Classifier,
  checkpointDir: string,
  images: readonly Buffer[],
  labels: readonly string[],
): Promise<Float32Array> {
  const rows = new Float32Array(images.length * labels.length);
  for (let n = 0; n < images.length; n++) {
    const output = await classifier.classify(checkpointDir, images[n], labels.length);
    for (const { label, probability } of output.topK)
      rows[n * labels.length + labels.indexOf(label)] = probability;
  }
  return rows;
}

/** The size combinations measured: each size alone, the trained size with each other, all of them. */
function combinationsOf(trained: number, others: readonly number[]): number[][] {
  const all = [trained, ...others];
  const pairs = others.map((size) => [trained, size]);
  return [...all.map((size) => [size]), ...pairs, ...(others.length > 1 ? [all] : [])];
}

function meanOf(rows: Float32Array[]): Float32Array {
  const mean = new Float32Array(rows[0].length);
  for (const row of rows) for (let i = 0; i < row.length; i++) mean[i] += row[i] / rows.length;
  return mean;
}

/**
 * `bench:quality --test-sizes`: the trained checkpoint classified through the Classifier at its own
 * size (its manifest's `imageSize`) and at other input sizes (a copy whose manifest names the size), alone and averaged with the trained size's
 * per-class image scores; for each combination the no-logo threshold is chosen again on the
 * validation images as training chooses it (`chooseThresholdForMacroF1`) and the held-out and real
 * sets are scored at it. Measurement for a multi-scale serving path that does not exist yet:
 * `classifyImage` serves the trained size alone. Returns the table's lines.
 */
export async function testSizeTable(
  classifier: Classifier,
  checkpointDir: string,
  otherSizes: readonly number[],
  sets: TestSizeSets,
  labels: readonly string[],
  work: string,
): Promise<string[]> {
  const manifest = JSON.parse(await readFile(path.join(checkpointDir, "manifest.json"), "utf8")) as {
    imageSize: number;
  };
  const trainedSize = manifest.imageSize;
  const noLogoIndex = labels.indexOf(NO_LOGO_LABEL);
  const named = Object.entries(sets).filter(
    (entry): entry is [string, LabelledFiles] => entry[1] !== undefined,
  );
  // Each image is read once and classified at every size.
  const images = new Map<string, Buffer[]>();
  for (const [name, files] of named)
    images.set(name, await Promise.all(files.map(({ file }) => readFile(file))));
  const probabilities = new Map<string, Float32Array>();
  for (const size of [trainedSize, ...otherSizes]) {
    let dir = checkpointDir;
    if (size !== trainedSize) {
      dir = path.join(work, `checkpoint-at-${size}`);
      await rm(dir, { recursive: true, force: true });
      await cp(checkpointDir, dir, { recursive: true });
      await writeFile(path.join(dir, "manifest.json"), JSON.stringify({ ...manifest, imageSize: size }));
    }
    for (const [name] of named)
      probabilities.set(`${size}/${name}`, await probabilitiesOf(classifier, dir, images.get(name)!, labels));
  }
  const truths = (files: LabelledFiles) => files.map(({ truth }) => labels.indexOf(truth));
  const lines = [
    `| input sizes (scores averaged) | τ (validation) | validation macro-F1 | held-out macro-F1 | real macro-F1 |`,
    `|---|---|---|---|---|`,
  ];
  for (const sizes of combinationsOf(trainedSize, otherSizes)) {
    const scoresOf = (name: string) => meanOf(sizes.map((size) => probabilities.get(`${size}/${name}`)!));
    const choice = chooseThresholdForMacroF1(
      scoresOf("validation"),
      labels.length,
      truths(sets.validation),
      noLogoIndex,
    );
    const macroF1 = (name: "heldOut" | "real"): string => {
      const files = sets[name];
      if (files === undefined) return "na";
      const decided = decide(scoresOf(name), labels.length, noLogoIndex, choice.threshold);
      return fixed(classificationReport([...labels], truths(files), Array.from(decided)).macroF1);
    };
    lines.push(
      `| ${sizes.join(" + ")} | ${fixed(choice.threshold)} | ${fixed(choice.macroF1)} | ${macroF1("heldOut")} | ${macroF1("real")} |`,
    );
  }
  return lines;
}

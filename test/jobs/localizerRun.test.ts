import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { NO_RANDOMISATION } from "../../src/datasets/domainRandomisation";
import { generateSynthLogos32, type SynthImageRecord } from "../../src/datasets/synthLogos32";
import { SYNTHLOGOS32_BRANDS } from "../../src/datasets/synthBrands";
import { intersectionOverUnion } from "../../src/ml/localizer/imageDecision";
import { START_RUN } from "../support/runFixtures";
import { startTestServer, type TestServer } from "../support/testServer";
import { waitFor } from "../support/waitFor";

const BRANDS = SYNTHLOGOS32_BRANDS.filter((b) => ["cocacola", "starbucks"].includes(b.className));

const CLASSIFY = `mutation($input: ClassifyImageInput!) {
  classifyImage(input: $input) {
    __typename
    ... on Classification { label probability isLogo box { x y width height } probability modelVersion }
  }
}`;

type Classified = {
  classifyImage: {
    __typename: string;
    label: string;
    isLogo: boolean;
    box: { x: number; y: number; width: number; height: number } | null;
  };
};

let server: TestServer;
let tmp: string;
let testImages: SynthImageRecord[];
let root: string;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-localizer-run-"));
  const generated = await generateSynthLogos32({
    out: path.join(tmp, "synth"),
    seed: 11,
    brands: BRANDS,
    // The plain generator: this test checks that the localizer learns and localises two brands in
    // CI time; how it copes with domain randomisation is bench:quality's measure.
    randomisation: NO_RANDOMISATION,
    // ARTICLE moves the first half of the validation no-logo images into training.
    sizes: {
      trainPerBrand: 24,
      valPerBrand: 6,
      testPerBrand: 12,
      trainNoLogo: 0,
      valNoLogo: 24,
      testNoLogo: 8,
    },
  });
  root = generated.dir;
  testImages = generated.manifest.images.filter((image) => image.split === "test");
  server = await startTestServer({ LOGOLAB_WORKERS: "1" });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

it("trains a LOCALIZER run on generated logos with boxes and classifyImage answers the brand and where it is", async () => {
  const imported = await server.gql<{ importDataset: { id: string; imagesWithBoxes: { train: number } } }>(
    `mutation($path: String!) { importDataset(input: { format: FLICKRLOGOS32, path: $path, splitRecipe: ARTICLE }) {
      id imagesWithBoxes { train } } }`,
    { path: root },
    server.keys.engineer,
  );
  expect(imported.errors).toBeUndefined();
  expect(imported.data!.importDataset.imagesWithBoxes.train).toBe(48);
  const experiment = await server.gql<{ createExperiment: { id: string } }>(
    `mutation($ds: ID!) { createExperiment(input: { name: "localizer", datasetId: $ds }) { id } }`,
    { ds: imported.data!.importDataset.id },
    server.keys.engineer,
  );
  const started = await server.gql<{ startRun: { id: string } }>(
    START_RUN,
    {
      input: {
        experimentId: experiment.data!.createExperiment.id,
        // The frozen backbone: the default's fine-tuned tail is trainLocalizer.test.ts's (minutes here).
        hyperparameters: { architecture: "LOCALIZER", trainableLayers: "HEAD", batchSize: 8, seed: 4 },
      },
    },
    server.keys.engineer,
  );
  expect(started.errors).toBeUndefined();
  const runId = started.data!.startRun.id;
  await waitFor(
    async () => {
      const run = await server.db.database.prisma.run.findUniqueOrThrow({ where: { id: runId } });
      if (run.status === "FAILED") throw new Error(`run failed: ${run.error}`);
      return run.status === "SUCCEEDED";
    },
    150_000,
    250,
  );
  const run = await server.gql<{
    run: {
      hyperparameters: {
        architecture: string;
        trainableLayers: string;
        optimizer: string;
        learningRate: number;
        imageSize: number;
      };
      epochs: { epoch: number; valMacroF1: number }[];
    };
  }>(
    `query($id: ID!) { run(id: $id) { hyperparameters { architecture trainableLayers optimizer learningRate imageSize }
      epochs { epoch valMacroF1 } } }`,
    { id: runId },
    server.keys.viewer,
  );
  expect(run.errors).toBeUndefined();
  expect(run.data!.run.hyperparameters).toEqual({
    architecture: "LOCALIZER",
    trainableLayers: "HEAD",
    optimizer: "ADAM",
    learningRate: 0.002,
    imageSize: 320,
  });
  expect(run.data!.run.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  expect(Math.max(...run.data!.run.epochs.map((e) => e.valMacroF1))).toBeGreaterThan(0.6);

  let correct = 0;
  const overlaps: number[] = [];
  for (const image of testImages) {
    const bytes = await fs.readFile(path.join(root, image.relpath));
    const res = await server.gql<Classified>(
      CLASSIFY,
      { input: { imageBase64: bytes.toString("base64"), model: runId } },
      server.keys.service,
    );
    expect(res.errors).toBeUndefined();
    const answer = res.data!.classifyImage;
    expect(answer.__typename).toBe("Classification");
    if (answer.label !== image.className) continue;
    correct++;
    if (image.className === "no-logo") {
      expect(answer.box).toBeNull();
      continue;
    }
    expect(answer.box).not.toBeNull();
    overlaps.push(Math.max(...image.bboxes.map((box) => intersectionOverUnion(answer.box!, box))));
  }
  console.log(`localizer run: ${correct} of ${testImages.length} test images right`);
  expect(correct / testImages.length).toBeGreaterThanOrEqual(0.7);
  expect(overlaps.filter((iou) => iou >= 0.3).length / overlaps.length).toBeGreaterThanOrEqual(0.7);
}, 200_000);

it("refuses a LOCALIZER whose trainable backbone layers are not HEAD or its 4-layer tail, with the field named", async () => {
  const imported = await server.gql<{ importDataset: { id: string } }>(
    `mutation($path: String!) { importDataset(input: { format: FLICKRLOGOS32, path: $path, splitRecipe: ARTICLE }) { id } }`,
    { path: root },
    server.keys.engineer,
  );
  const experiment = await server.gql<{ createExperiment: { id: string } }>(
    `mutation($ds: ID!) { createExperiment(input: { name: "localizer tail", datasetId: $ds }) { id } }`,
    { ds: imported.data!.importDataset.id },
    server.keys.engineer,
  );
  const runsBefore = await server.db.database.prisma.run.count();
  for (const trainableLayers of [2, "ALL"]) {
    const refused = await server.gql(
      START_RUN,
      {
        input: {
          experimentId: experiment.data!.createExperiment.id,
          hyperparameters: { architecture: "LOCALIZER", trainableLayers },
        },
      },
      server.keys.engineer,
    );
    expect(refused.errors?.[0].extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "trainableLayers",
    });
    expect(refused.errors?.[0].message).toContain("4 (block 12 and block 13's expansion fine-tuned)");
  }
  expect(await server.db.database.prisma.run.count()).toBe(runsBefore);
});

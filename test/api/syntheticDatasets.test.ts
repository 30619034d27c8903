import { RANDOMISATION_ELEMENTS, type BackgroundPart, type RandomisationElement } from "../../src/vocabulary";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startTestServer, type TestServer } from "../support/testServer";
import { waitFor } from "../support/waitFor";
import { scaledSizes } from "../../src/datasets/synthLogos32";

const GENERATE = `mutation($input: GenerateSyntheticDatasetInput!) {
  generateSyntheticDataset(input: $input) {
    id name version status progress format splitRecipe synthetic { seed scale }
  }
}`;

const DATASET = `query($id: ID!) {
  dataset(id: $id) {
    id name version status progress error format splitRecipe contentHash rootPath classes
    synthetic { seed scale }
    splitCounts { train val test }
    classCounts { label train val test }
    sources {
      className title package packageVersion packageLicense license substitutedFor
      alternateMarks { name package packageVersion license }
    }
  }
}`;

interface DatasetView {
  id: string;
  name: string;
  version: number;
  status: string;
  progress: number | null;
  error: string | null;
  format: string;
  splitRecipe: string | null;
  contentHash: string | null;
  rootPath: string;
  classes: string[];
  synthetic: { seed: number; scale: number } | null;
  splitCounts: { train: number; val: number; test: number };
  classCounts: { label: string; train: number; val: number; test: number }[];
  sources: {
    className: string;
    title: string;
    package: string;
    packageVersion: string;
    packageLicense: string;
    license: string;
    substitutedFor: string | null;
    alternateMarks: { name: string; package: string; packageVersion: string; license: string }[];
  }[];
}

type Generated = { generateSyntheticDataset: DatasetView };

async function generate(server: TestServer, input: Record<string, unknown>): Promise<DatasetView> {
  const res = await server.gql<Generated>(GENERATE, { input }, server.keys.engineer);
  expect(res.errors).toBeUndefined();
  return res.data!.generateSyntheticDataset;
}

/** Polls `dataset(id)` until it leaves GENERATING; returns every progress value seen on the way. */
async function settle(server: TestServer, id: string): Promise<{ dataset: DatasetView; progress: number[] }> {
  const progress: number[] = [];
  let dataset: DatasetView | undefined;
  await waitFor(
    async () => {
      const res = await server.gql<{ dataset: DatasetView }>(DATASET, { id }, server.keys.viewer);
      dataset = res.data!.dataset;
      if (dataset.progress !== null) progress.push(dataset.progress);
      return dataset.status !== "GENERATING";
    },
    110_000,
    100,
  );
  return { dataset: dataset!, progress };
}

describe("generateSyntheticDataset", () => {
  let server: TestServer;
  let tmp: string;
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-synthetic-"));
    server = await startTestServer({ LOGOLAB_HOME: path.join(tmp, "home") });
  });
  afterAll(async () => {
    await server?.platform.services.preparation.whenIdle();
    await server?.stop();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  let first: DatasetView;

  it("registers the dataset at once as GENERATING, then makes it READY with the recipe's splits and a content hash", async () => {
    first = await generate(server, { seed: 3, scale: 0.01 });
    const repeated = await generate(server, { seed: 3, scale: 0.01 });
    expect(repeated).toMatchObject({ id: first.id, status: "GENERATING" });
    expect(first).toMatchObject({
      name: "SynthLogos-32",
      version: 1,
      status: "GENERATING",
      progress: 0,
      format: "SYNTHETIC",
      splitRecipe: "ARTICLE",
      synthetic: { seed: 3, scale: 0.01 },
    });

    const { dataset, progress } = await settle(server, first.id);
    expect(dataset).toMatchObject({ status: "READY", progress: null, error: null });
    // Scale 0.01: 1 image per brand in each split, 30 no-logo images in val and test; the ARTICLE
    // recipe moves the first half of val's no-logo images into train.
    expect(dataset.splitCounts).toEqual({ train: 32 + 15, val: 32 + 15, test: 32 + 30 });
    expect(dataset.classes).toHaveLength(33);
    expect(dataset.classCounts).toContainEqual({ label: "no-logo", train: 15, val: 15, test: 30 });
    expect(dataset.classCounts).toContainEqual({ label: "adidas", train: 1, val: 1, test: 1 });
    expect(dataset.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(progress.some((p) => p > 0 && p < 1)).toBe(true);
  }, 120_000);

  it("records every brand's artwork package, licence and substitution", async () => {
    const res = await server.gql<{ dataset: DatasetView }>(DATASET, { id: first.id }, server.keys.viewer);
    const { sources } = res.data!.dataset;
    expect(sources).toHaveLength(32);
    expect(sources.filter((s) => s.substitutedFor !== null)).toHaveLength(14);
    expect(sources).toContainEqual({
      className: "redbull",
      title: "Red Bull",
      package: "@thesvg/icons",
      packageVersion: "3.3.8",
      packageLicense: "MIT",
      license: "CC0-1.0",
      substitutedFor: "becks",
      alternateMarks: [],
    });
    expect(sources.find((s) => s.className === "adidas")?.substitutedFor).toBeNull();
    // BRAND_MARKS is on by default: the brand's other marks are listed with their packages.
    expect(sources.find((s) => s.className === "google")?.alternateMarks).toEqual([
      { name: "wordmark", package: "@thesvg/icons", packageVersion: "3.3.8", license: "CC0-1.0" },
      {
        name: "2010–2015 wordmark",
        package: "@iconify-json/logos",
        packageVersion: "1.2.19",
        license: "CC0-1.0",
      },
    ]);
  });

  it("writes a managed ImageFolder copy with the generator's provenance and no scratch left behind", async () => {
    const res = await server.gql<{ dataset: DatasetView }>(DATASET, { id: first.id }, server.keys.viewer);
    const { rootPath } = res.data!.dataset;
    expect(rootPath.startsWith(server.db.config.datasetsDir)).toBe(true);
    expect(await fs.readdir(path.join(rootPath, "train", "adidas"))).toHaveLength(1);
    expect(await fs.readdir(path.join(rootPath, "test", "no-logo"))).toHaveLength(30);
    for (const file of ["manifest.json", "synthlogos32.json", "BACKGROUND-LICENSES.md"]) {
      expect(existsSync(path.join(rootPath, file))).toBe(true);
    }
    expect(await fs.readdir(path.join(server.db.config.datasetsDir, ".synthetic-scratch"))).toEqual([]);
  });

  it("returns the READY dataset when the same settings are asked for again", async () => {
    const before = await server.db.database.prisma.dataset.count();
    const again = await generate(server, {
      seed: 3,
      scale: 0.01,
      splitRecipe: "ARTICLE",
      name: "SynthLogos-32",
    });
    expect(again).toMatchObject({ id: first.id, status: "READY" });
    expect(await server.db.database.prisma.dataset.count()).toBe(before);
  });

  it("matches only the same name, seed, scale, randomisation and recipe", async () => {
    const find = (
      name: string,
      recipe: string,
      seed: number,
      scale: number,
      randomisation: RandomisationElement[] = [...RANDOMISATION_ELEMENTS],
      backgrounds: BackgroundPart = "TRAINING",
    ) =>
      server.registry.datasets.findSynthetic(
        name,
        recipe,
        { seed, sizes: scaledSizes(scale), randomisation, backgrounds },
        ["READY"],
      );
    expect(await find("SynthLogos-32", "ARTICLE", 3, 0.01, undefined, "HELD_OUT")).toBeNull();
    expect(await find("SynthLogos-32", "ARTICLE", 3, 0.01, ["LIGHTING"])).toBeNull();
    expect((await find("SynthLogos-32", "ARTICLE", 3, 0.01))?.id).toBe(first.id);
    expect(await find("SynthLogos-32", "ARTICLE", 4, 0.01)).toBeNull();
    expect(await find("SynthLogos-32", "ARTICLE", 3, 0.02)).toBeNull();
    expect(await find("SynthLogos-32", "OFFICIAL", 3, 0.01)).toBeNull();
    expect(await find("Other", "ARTICLE", 3, 0.01)).toBeNull();
  });

  it("generates explicit sizes per split (instead of a scale) and the randomisation asked for, and records them", async () => {
    const sizes = { trainPerBrand: 2, valPerBrand: 1, testPerBrand: 1, valNoLogo: 4, testNoLogo: 2 };
    const randomisation = ["SENSOR_NOISE", "LIGHTING"];
    const started = await generate(server, { seed: 5, sizes, name: "SynthLogos-32 sized", randomisation });
    const { dataset } = await settle(server, started.id);
    expect(dataset.status).toBe("READY");
    // ARTICLE moves the first half of the validation no-logo images into train.
    expect(dataset.splitCounts).toEqual({ train: 64 + 2, val: 32 + 2, test: 32 + 2 });
    const res = await server.gql<{ dataset: { synthetic: unknown } }>(
      `query($id: ID!) { dataset(id: $id) { synthetic { seed scale randomisation backgrounds sizes { trainPerBrand valPerBrand testPerBrand trainNoLogo valNoLogo testNoLogo } } } }`,
      { id: started.id },
      server.keys.viewer,
    );
    expect(res.data!.dataset.synthetic).toEqual({
      seed: 5,
      scale: null,
      randomisation: ["LIGHTING", "SENSOR_NOISE"],
      backgrounds: "TRAINING",
      sizes: { ...sizes, trainNoLogo: 0 },
    });
    const again = await generate(server, { seed: 5, sizes, name: "SynthLogos-32 sized", randomisation });
    expect(again.id).toBe(started.id);
    const bad = await server.gql(
      GENERATE,
      { input: { seed: 5, sizes, randomisation: ["GLITTER"] } },
      server.keys.engineer,
    );
    expect(bad.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
  }, 150_000);

  it("refuses scale and sizes together, and sizes out of range, naming the field", async () => {
    const before = await server.registry.datasets.count();
    const sizes = { trainPerBrand: 2, valPerBrand: 1, testPerBrand: 1, valNoLogo: 4, testNoLogo: 2 };
    const both = await server.gql(GENERATE, { input: { scale: 1, sizes } }, server.keys.engineer);
    expect(both.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "sizes" });
    const tooMany = await server.gql(
      GENERATE,
      { input: { sizes: { ...sizes, trainPerBrand: 5000 } } },
      server.keys.engineer,
    );
    expect(tooMany.errors?.[0].extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "sizes.trainPerBrand",
    });
    expect(await server.registry.datasets.count()).toBe(before);
  });

  it("rejects a scale outside 0.01–10 and a negative seed, registering nothing", async () => {
    const before = await server.db.database.prisma.dataset.count();
    const tooBig = await server.gql(GENERATE, { input: { scale: 11 } }, server.keys.engineer);
    expect(tooBig.errors?.[0]).toMatchObject({
      message: "scale must be between 0.01 and 10, got 11",
      extensions: { code: "BAD_USER_INPUT", field: "scale" },
    });
    const negative = await server.gql(GENERATE, { input: { seed: -1 } }, server.keys.engineer);
    expect(negative.errors?.[0]).toMatchObject({
      message: "seed must be a non-negative integer, got -1",
      extensions: { code: "BAD_USER_INPUT", field: "seed" },
    });
    expect(await server.db.database.prisma.dataset.count()).toBe(before);
  });

  it("needs the ENGINEER role", async () => {
    const res = await server.gql(GENERATE, { input: { scale: 0.01 } }, server.keys.viewer);
    expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });
});

describe("generateSyntheticDataset when the datasets directory cannot be written", () => {
  let server: TestServer;
  let tmp: string;
  beforeAll(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-synthetic-fail-"));
    // A regular file where a folder must go fails mkdir even for root.
    await fs.writeFile(path.join(tmp, "not-a-folder"), "");
    server = await startTestServer({
      LOGOLAB_HOME: path.join(tmp, "home"),
      LOGOLAB_DATASETS_DIR: path.join(tmp, "not-a-folder", "datasets"),
    });
  });
  afterAll(async () => {
    await server?.platform.services.preparation.whenIdle();
    await server?.stop();
    await fs.rm(tmp, { recursive: true, force: true });
  });

  it("ends FAILED with the reason", async () => {
    const started = await generate(server, { scale: 0.01 });
    expect(started.status).toBe("GENERATING");
    const { dataset } = await settle(server, started.id);
    expect(dataset).toMatchObject({ status: "FAILED", progress: null, contentHash: null });
    expect(dataset.error).toMatch(/^ENOTDIR: not a directory, mkdir '.*not-a-folder/);
  });
});

import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ValidationError } from "../../errors";
import { countClasses, type DatasetManifest } from "../datasetManifest";
import type { DatasetProblem } from "../datasetProblems";
import { planFlickrLogos32Import } from "../flickrLogos32Importer";
import { importDatasetFiles } from "../importDataset";
import { materialiseDataset, readDatasetManifest } from "../materialiseDataset";
import { writeMiniFlickrLogos32, type MiniLists } from "./fixtures/miniFlickrLogos32";
import { problemsOf } from "./fixtures/problemsOf";

let workDir: string;
let root: string;
let lists: MiniLists;

beforeEach(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-fl32-"));
  root = path.join(workDir, "FlickrLogos-v2");
  lists = await writeMiniFlickrLogos32(root);
});

afterEach(async () => {
  await fs.rm(workDir, { recursive: true, force: true });
});

const sources = (manifest: DatasetManifest, split: "train" | "val" | "test"): string[] =>
  manifest.splits[split].map((e) => e.sourceRelpath);

const logoCountsOf = (manifest: DatasetManifest, split: "train" | "val" | "test") => {
  const counts = countClasses(manifest)[split];
  return { adidas: counts.adidas, aldi: counts.aldi, apple: counts.apple, "no-logo": counts["no-logo"] };
};

describe("FlickrLogos-32 split recipes", () => {
  it("OFFICIAL keeps trainset, joins both val lists and keeps testset", async () => {
    const manifest = await planFlickrLogos32Import(root, { recipe: "OFFICIAL" });
    expect(sources(manifest, "train")).toEqual(lists.train);
    expect(sources(manifest, "val")).toEqual([...lists.valLogos, ...lists.valNoLogos]);
    expect(sources(manifest, "test")).toEqual(lists.test);
    expect(logoCountsOf(manifest, "train")).toEqual({ adidas: 2, aldi: 2, apple: 2, "no-logo": 0 });
    expect(logoCountsOf(manifest, "val")).toEqual({ adidas: 3, aldi: 3, apple: 3, "no-logo": 6 });
    expect(logoCountsOf(manifest, "test")).toEqual({ adidas: 3, aldi: 3, apple: 3, "no-logo": 4 });
  });

  it("ARTICLE moves the first half of the validation no-logo images into train", async () => {
    const manifest = await planFlickrLogos32Import(root, { recipe: "ARTICLE" });
    expect(sources(manifest, "train")).toEqual([...lists.train, ...lists.valNoLogos.slice(0, 3)]);
    expect(sources(manifest, "val")).toEqual([...lists.valLogos, ...lists.valNoLogos.slice(3)]);
    expect(sources(manifest, "test")).toEqual(lists.test);
    expect(logoCountsOf(manifest, "train")).toEqual({ adidas: 2, aldi: 2, apple: 2, "no-logo": 3 });
    expect(logoCountsOf(manifest, "val")).toEqual({ adidas: 3, aldi: 3, apple: 3, "no-logo": 3 });
    expect(logoCountsOf(manifest, "test")).toEqual({ adidas: 3, aldi: 3, apple: 3, "no-logo": 4 });
  });

  it("names managed files <split>/<class>/<file> and carries the bbox of each logo", async () => {
    const manifest = await planFlickrLogos32Import(workDir, { recipe: "ARTICLE" });
    expect(manifest.source).toEqual({ kind: "flickrlogos32", root, recipe: "ARTICLE" });
    expect(manifest.splits.train[0]).toEqual({
      relpath: "train/adidas/1000.jpg",
      sourceRelpath: "classes/jpg/adidas/1000.jpg",
      className: "adidas",
      bboxes: [{ x: 3, y: 4, width: 20, height: 10 }],
    });
    const movedNoLogo = manifest.splits.train.find((e) => e.className === "no-logo");
    expect(movedNoLogo).toEqual({
      relpath: `train/no-logo/${path.basename(lists.valNoLogos[0])}`,
      sourceRelpath: lists.valNoLogos[0],
      className: "no-logo",
      bboxes: [],
    });
    expect(manifest.classes).toHaveLength(33);
    expect(manifest.classes).toContain("guiness");
  });

  it("writes the planned tree and manifest, linking files without touching the source", async () => {
    const before = await fs.readFile(path.join(root, lists.train[0]));
    const destDir = path.join(workDir, "managed", "fl32");
    const result = await importDatasetFiles({ format: "FLICKRLOGOS32", root, recipe: "ARTICLE", destDir });
    expect(result.summary.splitCounts).toEqual({ train: 9, val: 12, test: 13 });
    expect(result.summary.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await readDatasetManifest(destDir)).toEqual(result.manifest);
    const copied = await fs.readFile(path.join(destDir, "train/adidas/1000.jpg"));
    expect(copied.equals(before)).toBe(true);
    expect(await fs.readFile(path.join(root, lists.train[0]))).toEqual(before);
    expect(await fs.readdir(path.join(workDir, "managed"))).toEqual(["fl32"]);
  });
});

describe("FlickrLogos-32 validation", () => {
  const destDir = () => path.join(workDir, "managed", "fl32");

  async function expectNothingWritten(): Promise<void> {
    expect(existsSync(destDir())).toBe(false);
    const managed = path.join(workDir, "managed");
    if (existsSync(managed)) expect(await fs.readdir(managed)).toEqual([]);
  }

  it("reports a missing list file and writes nothing", async () => {
    await fs.rm(path.join(root, "valset-nologos.relpaths.txt"));
    const problems = await problemsOf(
      importDatasetFiles({ format: "FLICKRLOGOS32", root, recipe: "OFFICIAL", destDir: destDir() }),
    );
    expect(problems).toEqual([
      { kind: "missing-list-file", path: "valset-nologos.relpaths.txt", message: "list file is missing" },
    ]);
    await expectNothingWritten();
  });

  it("reports a list naming a missing image", async () => {
    await fs.appendFile(path.join(root, "testset.relpaths.txt"), "classes/jpg/apple/999.jpg\n");
    const problems = await problemsOf(
      importDatasetFiles({ format: "FLICKRLOGOS32", root, recipe: "OFFICIAL", destDir: destDir() }),
    );
    expect(problems).toEqual([
      {
        kind: "missing-image",
        path: "classes/jpg/apple/999.jpg",
        message: "listed in testset.relpaths.txt but the file does not exist",
      },
    ]);
    await expectNothingWritten();
  });

  it("reports a truncated JPEG", async () => {
    const victim = path.join(root, lists.valLogos[0]);
    const bytes = await fs.readFile(victim);
    await fs.writeFile(victim, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const problems = await problemsOf(
      importDatasetFiles({ format: "FLICKRLOGOS32", root, recipe: "ARTICLE", destDir: destDir() }),
    );
    expect(problems).toEqual([
      {
        kind: "unreadable-image",
        path: lists.valLogos[0],
        message: expect.stringMatching(/^does not decode: /),
      },
    ]);
    await expectNothingWritten();
  });

  it("reports a class folder that is not in the class list, and a list entry of that class", async () => {
    await fs.mkdir(path.join(root, "classes/jpg/pepsi-max"));
    await fs.rename(path.join(root, lists.test[0]), path.join(root, "classes/jpg/pepsi-max/1004.jpg"));
    const testList = ["classes/jpg/pepsi-max/1004.jpg", ...lists.test.slice(1)];
    await fs.writeFile(path.join(root, "testset.relpaths.txt"), testList.join("\n"));
    const problems = await problemsOf(
      importDatasetFiles({ format: "FLICKRLOGOS32", root, recipe: "OFFICIAL", destDir: destDir() }),
    );
    expect(problems).toEqual([
      {
        kind: "unknown-class",
        path: "classes/jpg/pepsi-max",
        message: 'class folder "pepsi-max" is not in the class list',
      },
      {
        kind: "unknown-class",
        path: "classes/jpg/pepsi-max/1004.jpg",
        message: 'class "pepsi-max" (listed in testset.relpaths.txt) is not in the class list',
      },
    ]);
    await expectNothingWritten();
  });

  it("reports every problem at once, sorted by path", async () => {
    await fs.rm(path.join(root, "classes/masks/aldi/1010.jpg.bboxes.txt"));
    await fs.rm(path.join(root, "trainset.relpaths.txt"));
    const error = await importDatasetFiles({
      format: "FLICKRLOGOS32",
      root,
      recipe: "OFFICIAL",
      destDir: destDir(),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    const { problems } = (error as ValidationError).details as { problems: DatasetProblem[] };
    expect(problems.map((p) => [p.kind, p.path])).toEqual([
      ["missing-bbox-file", "classes/masks/aldi/1010.jpg.bboxes.txt"],
      ["missing-list-file", "trainset.relpaths.txt"],
    ]);
    expect((error as Error).message).toBe(
      `FlickrLogos-32 dataset at ${root} has 2 problems: classes/masks/aldi/1010.jpg.bboxes.txt: bbox file of a logo image is missing; trainset.relpaths.txt: list file is missing`,
    );
  });

  it("reports a duplicated path", async () => {
    await fs.appendFile(path.join(root, "testset.relpaths.txt"), `${lists.valLogos[1]}\n`);
    const problems = await problemsOf(planFlickrLogos32Import(root, { recipe: "OFFICIAL" }));
    expect(problems).toEqual([
      {
        kind: "duplicate-path",
        path: lists.valLogos[1],
        message: "listed in valset-logosonly.relpaths.txt and again in testset.relpaths.txt",
      },
    ]);
  });

  it("leaves nothing behind when writing fails half-way", async () => {
    const manifest = await planFlickrLogos32Import(root, { recipe: "OFFICIAL" });
    await fs.rm(path.join(root, lists.test[5]));
    await expect(materialiseDataset(manifest, destDir())).rejects.toThrow(/ENOENT/);
    await expectNothingWritten();
  });
});

import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ValidationError } from "../../errors";
import type { DatasetProblem } from "../datasetProblems";
import { flickrLogos27ClassName, planFlickrLogos27Import } from "../flickrLogos27Importer";
import { writeJpeg } from "./fixtures/annotatedImages";

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-fl27-"));
  // Three Adidas images, two HP images (one also shows a small Adidas logo), two without logos.
  for (const [i, file] of ["a1.jpg", "a2.jpg", "a3.jpg", "h1.jpg", "h2.jpg", "n1.jpg", "n2.jpg"].entries()) {
    await writeJpeg(path.join(root, "images", file), 200, 150, 30 * i);
  }
  await fs.writeFile(
    path.join(root, "training_set_annotation.txt"),
    [
      "a1.jpg Adidas 1 10 20 60 80",
      "a1.jpg Adidas 2 10 20 60 80", // the same box, repeated for another subset
      "a1.jpg Adidas 1 100 20 150 60",
      "a2.jpg Adidas 3 0 0 200 150",
      "a3.jpg Adidas 4 5 5 25 25",
      "h1.jpg HP 1 20 30 120 130",
      "h1.jpg Adidas 1 150 10 170 30",
      "h2.jpg HP 5 50 50 90 90",
      "",
    ].join("\n"),
  );
  await fs.writeFile(path.join(root, "query_set_annotation.txt"), "n1.jpg\tnone\nn2.jpg\tnone\n");
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function problemsOf(promise: Promise<unknown>): Promise<DatasetProblem[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return (error as ValidationError).details.problems as DatasetProblem[];
}

it("maps FlickrLogos-27's class spellings onto LogoLab's", () => {
  expect(
    ["Adidas", "Cocacola", "HP", "McDonalds", "Nbc", "RedBull", "none"].map(flickrLogos27ClassName),
  ).toEqual(["adidas", "cocacola", "hp", "mcdonalds", "nbc", "redbull", "no-logo"]);
});

it("keeps every distinct box once, in x y width height, and the dominant brand as the image's class", async () => {
  const manifest = await planFlickrLogos27Import(root, {
    split: { trainPerClass: 10, valPerClass: 0, noLogoValShare: 0 },
  });
  const all = [...manifest.splits.train, ...manifest.splits.val, ...manifest.splits.test];
  const byFile = new Map(all.map((entry) => [path.basename(entry.relpath), entry]));
  expect(byFile.get("a1.jpg")!.bboxes).toEqual([
    { x: 10, y: 20, width: 50, height: 60 },
    { x: 100, y: 20, width: 50, height: 40 },
  ]);
  expect(byFile.get("h1.jpg")).toMatchObject({
    className: "hp",
    bboxes: [
      { x: 20, y: 30, width: 100, height: 100 },
      { x: 150, y: 10, width: 20, height: 20, className: "adidas" },
    ],
  });
  expect(byFile.get("n1.jpg")).toMatchObject({ className: "no-logo", bboxes: [] });
  expect(manifest.classes).toEqual(["adidas", "hp", "no-logo"]);
  expect(manifest.source).toEqual({ kind: "flickrlogos27", root });
});

it("divides each brand in annotation order: train, then val, then test; no-logo by its share", async () => {
  const manifest = await planFlickrLogos27Import(root, {
    split: { trainPerClass: 1, valPerClass: 1, noLogoValShare: 0.5 },
  });
  const names = (split: keyof typeof manifest.splits) => manifest.splits[split].map((e) => e.relpath);
  expect(names("train")).toEqual(["train/adidas/a1.jpg", "train/hp/h1.jpg"]);
  expect(names("val")).toEqual(["val/adidas/a2.jpg", "val/hp/h2.jpg", "val/no-logo/n1.jpg"]);
  expect(names("test")).toEqual(["test/adidas/a3.jpg", "test/no-logo/n2.jpg"]);
});

it("reports every problem at once: malformed line, missing image, box outside its image", async () => {
  await fs.appendFile(
    path.join(root, "training_set_annotation.txt"),
    "gone.jpg Adidas 1 1 1 5 5\nh2.jpg HP 1 150 100 260 140\n",
  );
  const problems = await problemsOf(planFlickrLogos27Import(root));
  expect(problems.map((p) => [p.kind, p.path])).toEqual([
    ["missing-image", "images/gone.jpg"],
    ["invalid-box", "images/h2.jpg"],
  ]);
  expect(problems[1].message).toBe("box x=150 y=100 w=110 h=40 lies outside the 200×150 image");

  await fs.appendFile(path.join(root, "training_set_annotation.txt"), "a1.jpg Adidas 1 10 20\n");
  const malformed = await problemsOf(planFlickrLogos27Import(root));
  expect(malformed).toEqual([
    expect.objectContaining({ kind: "invalid-annotation", path: "training_set_annotation.txt" }),
  ]);
});

it("refuses a tree without its training annotations", async () => {
  await fs.rm(path.join(root, "training_set_annotation.txt"));
  const problems = await problemsOf(planFlickrLogos27Import(root));
  expect(problems.map((p) => p.kind)).toEqual(["missing-list-file"]);
});

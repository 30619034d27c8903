import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ValidationError } from "../../errors";
import type { DatasetProblem } from "../datasetProblems";
import { parseVocAnnotation, planPascalVocImport, vocClassName } from "../pascalVocImporter";
import { writeJpeg } from "./fixtures/annotatedImages";

function annotation(filename: string, objects: [string, number, number, number, number][]): string {
  const body = objects
    .map(
      ([name, xmin, ymin, xmax, ymax]) =>
        `<object><name>${name}</name><pose>Unspecified</pose><bndbox><xmin>${xmin}</xmin><ymin>${ymin}</ymin><xmax>${xmax}</xmax><ymax>${ymax}</ymax></bndbox></object>`,
    )
    .join("");
  return `<annotation><folder>x</folder><filename>${filename}</filename><size><width>120</width><height>90</height><depth>3</depth></size>${body}</annotation>`;
}

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-voc-"));
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

describe("parseVocAnnotation", () => {
  it("reads the file name and each object's brand and corners as x, y, width, height", () => {
    expect(
      parseVocAnnotation(
        annotation("1.jpg", [
          ["Coca-Cola", 10, 5, 40, 25],
          ["pepsi", 0, 0, 9, 9],
        ]),
      ),
    ).toEqual({
      filename: "1.jpg",
      objects: [
        { className: "coca-cola", x: 10, y: 5, width: 30, height: 20 },
        { className: "pepsi", x: 0, y: 0, width: 9, height: 9 },
      ],
    });
  });

  it("names what is missing", () => {
    expect(() => parseVocAnnotation("<annotation><object><name>a</name></object></annotation>")).toThrow(
      "expected <annotation> with a <filename>",
    );
    expect(() =>
      parseVocAnnotation(
        "<annotation><filename>1.jpg</filename><object><name>a</name></object></annotation>",
      ),
    ).toThrow("object 1 needs a <name> and a <bndbox> of numeric xmin, ymin, xmax, ymax");
  });

  it("maps spaces, case and no-logo names onto LogoLab class names", () => {
    expect(["Red Bull", "NVIDIA", "background", "none"].map(vocClassName)).toEqual([
      "red-bull",
      "nvidia",
      "no-logo",
      "no-logo",
    ]);
  });
});

describe("planPascalVocImport", () => {
  it("imports the classic layout with its split lists and keeps every box (OpenLogo)", async () => {
    const files: [string, [string, number, number, number, number][], string][] = [
      ["a", [["adidas", 10, 10, 50, 40]], "train"],
      [
        "b",
        [
          ["adidas", 5, 5, 30, 30],
          ["hp", 60, 10, 70, 20],
        ],
        "val",
      ],
      ["c", [], "test"],
    ];
    await fs.mkdir(path.join(root, "Annotations"), { recursive: true });
    await fs.mkdir(path.join(root, "ImageSets", "Main"), { recursive: true });
    for (const [i, [id, objects]] of files.entries()) {
      await writeJpeg(path.join(root, "JPEGImages", `${id}.jpg`), 120, 90, 40 * i);
      await fs.writeFile(path.join(root, "Annotations", `${id}.xml`), annotation(`${id}.jpg`, objects));
    }
    for (const split of ["train", "val", "test"]) {
      await fs.writeFile(
        path.join(root, "ImageSets", "Main", `${split}.txt`),
        files
          .filter((f) => f[2] === split)
          .map((f) => f[0])
          .join("\n"),
      );
    }
    const manifest = await planPascalVocImport(root);
    expect(manifest.splits).toEqual({
      train: [
        {
          relpath: "train/adidas/a.jpg",
          sourceRelpath: "JPEGImages/a.jpg",
          className: "adidas",
          bboxes: [{ x: 10, y: 10, width: 40, height: 30 }],
        },
      ],
      val: [
        {
          relpath: "val/adidas/b.jpg",
          sourceRelpath: "JPEGImages/b.jpg",
          className: "adidas",
          bboxes: [
            { x: 5, y: 5, width: 25, height: 25 },
            { x: 60, y: 10, width: 10, height: 10, className: "hp" },
          ],
        },
      ],
      test: [
        {
          relpath: "test/no-logo/c.jpg",
          sourceRelpath: "JPEGImages/c.jpg",
          className: "no-logo",
          bboxes: [],
        },
      ],
    });
    expect(manifest.classes).toEqual(["adidas", "no-logo"]);
  });

  it("reads XML files beside their images and splits each brand per class without lists (LogoDet-3K)", async () => {
    for (let i = 0; i < 3; i++) {
      const dir = path.join(root, "Food", "Nutella");
      await writeJpeg(path.join(dir, `${i}.jpg`), 120, 90, 50 * i);
      await fs.writeFile(path.join(dir, `${i}.xml`), annotation(`${i}.jpg`, [["Nutella", 1, 1, 20, 20]]));
    }
    const manifest = await planPascalVocImport(root, {
      split: { trainPerClass: 1, valPerClass: 1, noLogoValShare: 0 },
    });
    expect(
      [manifest.splits.train, manifest.splits.val, manifest.splits.test].map((s) => s.map((e) => e.relpath)),
    ).toEqual([
      ["train/nutella/Food__Nutella__0.jpg"],
      ["val/nutella/Food__Nutella__1.jpg"],
      ["test/nutella/Food__Nutella__2.jpg"],
    ]);
  });

  it("reports malformed XML, a missing image and a box outside its image together", async () => {
    await fs.mkdir(path.join(root, "Annotations"), { recursive: true });
    await fs.mkdir(path.join(root, "ImageSets", "Main"), { recursive: true });
    await writeJpeg(path.join(root, "JPEGImages", "ok.jpg"), 120, 90, 10);
    await writeJpeg(path.join(root, "JPEGImages", "big.jpg"), 120, 90, 10);
    await fs.writeFile(path.join(root, "Annotations", "ok.xml"), annotation("ok.jpg", [["a", 1, 1, 5, 5]]));
    await fs.writeFile(
      path.join(root, "Annotations", "big.xml"),
      annotation("big.jpg", [["a", 100, 50, 200, 80]]),
    );
    await fs.writeFile(
      path.join(root, "Annotations", "gone.xml"),
      annotation("gone.jpg", [["a", 1, 1, 5, 5]]),
    );
    await fs.writeFile(path.join(root, "Annotations", "bad.xml"), "<annotation><object>");
    await fs.writeFile(path.join(root, "ImageSets", "Main", "train.txt"), "ok\nbig\ngone\n");
    const problems = await problemsOf(planPascalVocImport(root));
    expect(problems.map((p) => [p.kind, p.path])).toEqual([
      ["invalid-annotation", "Annotations/bad.xml"],
      ["invalid-box", "JPEGImages/big.jpg"],
      ["missing-image", "JPEGImages/gone.jpg"],
    ]);
  });
});

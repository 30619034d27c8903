import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { importDatasetFiles } from "../importDataset";
import { planImageFolderImport } from "../imageFolderImporter";
import { makeJpeg } from "./fixtures/miniFlickrLogos32";
import { problemsOf } from "./fixtures/problemsOf";

let root: string;

async function put(relpath: string, bytes: Buffer): Promise<void> {
  await fs.mkdir(path.dirname(path.join(root, relpath)), { recursive: true });
  await fs.writeFile(path.join(root, relpath), bytes);
}

const png = () =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: "#0a0" } })
    .png()
    .toBuffer();
const webp = () =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: "#00a" } })
    .webp()
    .toBuffer();

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-if-"));
  await put("src/train/cat/a.jpg", await makeJpeg());
  await put("src/train/cat/b.JPEG", await makeJpeg());
  await put("src/train/dog/c.png", await png());
  await put("src/val/dog/d.webp", await webp());
  await put("src/test/cat/e.jpg", await makeJpeg());
  await put("src/train/.DS_Store", Buffer.from("ignored"));
  root = path.join(root, "src");
});

afterEach(async () => {
  await fs.rm(path.dirname(root), { recursive: true, force: true });
});

describe("ImageFolder importer", () => {
  it("plans <split>/<class>/<file> entries, classes from train, in name order", async () => {
    const manifest = await planImageFolderImport(root);
    expect(manifest.source).toEqual({ kind: "imagefolder", root });
    expect(manifest.classes).toEqual(["cat", "dog"]);
    expect(manifest.splits.train.map((e) => [e.relpath, e.className])).toEqual([
      ["train/cat/a.jpg", "cat"],
      ["train/cat/b.JPEG", "cat"],
      ["train/dog/c.png", "dog"],
    ]);
    expect(manifest.splits.val.map((e) => e.relpath)).toEqual(["val/dog/d.webp"]);
    expect(manifest.splits.test).toEqual([
      { relpath: "test/cat/e.jpg", sourceRelpath: "test/cat/e.jpg", className: "cat", bboxes: [] },
    ]);
  });

  it("accepts a missing val or test folder as an empty split", async () => {
    await fs.rm(path.join(root, "val"), { recursive: true });
    const manifest = await planImageFolderImport(root);
    expect(manifest.splits.val).toEqual([]);
  });

  it("reports an unknown class folder, stray and unsupported files and an unreadable image together", async () => {
    await put("val/bird/f.jpg", await makeJpeg());
    await put("train/readme.txt", Buffer.from("hi"));
    await put("train/cat/notes.gif", Buffer.from("GIF89a"));
    await put("test/dog/broken.png", (await png()).subarray(0, 20));
    const dest = path.join(path.dirname(root), "managed");
    const problems = await problemsOf(importDatasetFiles({ format: "IMAGE_FOLDER", root, destDir: dest }));
    expect(problems).toEqual([
      {
        kind: "unreadable-image",
        path: "test/dog/broken.png",
        message: expect.stringMatching(/^does not decode: /),
      },
      {
        kind: "unsupported-file",
        path: "train/cat/notes.gif",
        message: "expected a .jpg/.jpeg/.png/.webp file",
      },
      { kind: "unsupported-file", path: "train/readme.txt", message: "files must sit in a class folder" },
      { kind: "unknown-class", path: "val/bird", message: 'class folder "bird" is not in the class list' },
    ]);
    expect(existsSync(dest)).toBe(false);
  });

  it("reports a missing train folder", async () => {
    await fs.rm(path.join(root, "train"), { recursive: true });
    expect(await problemsOf(planImageFolderImport(root))).toEqual([
      { kind: "unknown-class", path: "test/cat", message: 'class folder "cat" is not in the class list' },
      { kind: "missing-root", path: "train", message: "train folder is missing" },
      { kind: "unknown-class", path: "val/dog", message: 'class folder "dog" is not in the class list' },
    ]);
  });

  it("imports into a managed directory with the same manifest shape", async () => {
    const dest = path.join(path.dirname(root), "managed");
    const result = await importDatasetFiles({ format: "IMAGE_FOLDER", root, destDir: dest });
    expect(result.summary.splitCounts).toEqual({ train: 3, val: 1, test: 1 });
    expect(result.summary.classCounts.train).toEqual({ cat: 2, dog: 1 });
    expect((await fs.readdir(path.join(dest, "train/cat"))).sort()).toEqual(["a.jpg", "b.JPEG"]);
  });
});

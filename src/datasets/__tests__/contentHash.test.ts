import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { combineFileHashes, summariseDatasetDirectory, summarisePlannedDataset } from "../contentHash";
import { planFlickrLogos32Import } from "../flickrLogos32Importer";
import { materialiseDataset } from "../materialiseDataset";
import { makeJpeg, writeMiniFlickrLogos32, type MiniLists } from "./fixtures/miniFlickrLogos32";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

describe("content hash", () => {
  it("is sha256 over the sorted '<relpath>\\t<file sha256>\\n' lines", () => {
    const files = [
      { relpath: "val/b/2.jpg", sha256: "bb" },
      { relpath: "train/a/1.jpg", sha256: "aa" },
    ];
    expect(combineFileHashes(files)).toBe(sha256("train/a/1.jpg\taa\nval/b/2.jpg\tbb\n"));
    expect(combineFileHashes([...files].reverse())).toBe(combineFileHashes(files));
  });

  it("covers an image's logo boxes, so a re-annotated dataset is new content", () => {
    const boxes = JSON.stringify([{ x: 1, y: 2, width: 3, height: 4 }]);
    expect(combineFileHashes([{ relpath: "train/a/1.jpg", sha256: "aa", annotation: boxes }])).toBe(
      sha256(`train/a/1.jpg\taa\t${boxes}\n`),
    );
  });

  describe("of a FlickrLogos-32 import", () => {
    let workDir: string;
    let root: string;
    let lists: MiniLists;

    beforeAll(async () => {
      workDir = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-hash-"));
      root = path.join(workDir, "FlickrLogos-v2");
      lists = await writeMiniFlickrLogos32(root);
    });
    afterAll(async () => {
      await fs.rm(workDir, { recursive: true, force: true });
    });

    it("is the same planned and materialised, with per-split counts and the class list", async () => {
      const manifest = await planFlickrLogos32Import(root, { recipe: "OFFICIAL" });
      const planned = await summarisePlannedDataset(manifest);
      await materialiseDataset(manifest, path.join(workDir, "managed"));
      const written = await summariseDatasetDirectory(path.join(workDir, "managed"));
      expect(written).toEqual(planned);
      expect(planned.splitCounts).toEqual({ train: 6, val: 15, test: 13 });
      expect(planned.classes).toHaveLength(33);
      expect(planned.classCounts.val["no-logo"]).toBe(6);
    });

    it("differs between recipes and changes when one file's bytes change", async () => {
      const official = await summarisePlannedDataset(
        await planFlickrLogos32Import(root, { recipe: "OFFICIAL" }),
      );
      const article = await summarisePlannedDataset(
        await planFlickrLogos32Import(root, { recipe: "ARTICLE" }),
      );
      expect(article.contentHash).not.toBe(official.contentHash);
      const again = await summarisePlannedDataset(
        await planFlickrLogos32Import(root, { recipe: "OFFICIAL" }),
      );
      expect(again.contentHash).toBe(official.contentHash);
      const victim = path.join(root, lists.test[0]);
      await fs.writeFile(victim, await makeJpeg());
      const changed = await summarisePlannedDataset(
        await planFlickrLogos32Import(root, { recipe: "OFFICIAL" }),
      );
      expect(changed.contentHash).not.toBe(official.contentHash);
    });
  });
});

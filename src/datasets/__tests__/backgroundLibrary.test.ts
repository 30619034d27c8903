import {
  BACKGROUND_SCENES,
  backgroundsOfPart,
  readBackgroundIndex,
  type BackgroundPhoto,
} from "../backgroundLibrary";

function photo(file: string, scene: BackgroundPhoto["scene"], heldOut: boolean): BackgroundPhoto {
  return {
    file,
    width: 640,
    height: 480,
    scene,
    group: file.replace(/\.jpg$/, ""),
    heldOut,
    package: "pkg",
    packageVersion: "1",
    license: "CC0-1.0",
    copyright: "someone",
  };
}

describe("backgroundsOfPart", () => {
  const photos = [
    photo("a.jpg", "street", false),
    photo("b.jpg", "street", true),
    photo("c.jpg", "food", false),
    photo("d.jpg", "food", true),
    photo("e.jpg", "food", false),
  ];

  it("gives training the photos not held out and held-out sets the others, in input order", () => {
    expect(backgroundsOfPart(photos, "train").map((p) => p.file)).toEqual(["a.jpg", "c.jpg", "e.jpg"]);
    expect(backgroundsOfPart(photos, "heldOut").map((p) => p.file)).toEqual(["b.jpg", "d.jpg"]);
  });

  it("gives an empty part for an empty pool", () => {
    expect(backgroundsOfPart([], "heldOut")).toEqual([]);
  });
});

describe("the committed background set", () => {
  let photos: BackgroundPhoto[];
  beforeAll(async () => {
    photos = await readBackgroundIndex();
  });

  it("tags every photo with a known scene", () => {
    for (const p of photos) expect(BACKGROUND_SCENES).toContain(p.scene);
  });

  it("has every scene in both the training and the held-out part", () => {
    for (const part of ["train", "heldOut"] as const) {
      const scenes = new Set(backgroundsOfPart(photos, part).map((p) => p.scene));
      expect([...scenes].sort()).toEqual([...BACKGROUND_SCENES].sort());
    }
  });

  it("holds out about a fifth of the photos", () => {
    const share = backgroundsOfPart(photos, "heldOut").length / photos.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.25);
  });

  it("keeps each group of near-duplicates in one part", () => {
    const partOfGroup = new Map<string, boolean>();
    for (const p of photos) {
      expect(partOfGroup.get(p.group) ?? p.heldOut).toBe(p.heldOut);
      partOfGroup.set(p.group, p.heldOut);
    }
    expect(partOfGroup.size).toBeLessThan(photos.length);
  });
});

import sharp from "sharp";
import {
  DEFAULT_RANDOMISATION,
  ELEMENT_RANGES,
  ELEMENT_RATES,
  NO_RANDOMISATION,
  RANDOMISATION_ELEMENTS,
  randomisationOf,
  type RandomisationElement,
} from "../domainRandomisation";
import { PROTECTED_BRAND_NAMES, hardNegativeSvgs, isProtectedBrand } from "../hardNegatives";
import { addSensorNoise, cylinderWrap, lightSprite, motionBlurKernel } from "../photoEffects";
import type { RgbaImage } from "../perspectiveWarp";
import { SeededRandom } from "../seededRandom";
import { SYNTHLOGOS32_BRANDS, brandMarks, loadMarkSvg } from "../synthBrands";
import { opaqueRegion, rasteriseSvg } from "../artworkRaster";
import { renderSyntheticImage } from "../synthImageRender";
import { logoPixels } from "./fixtures/logoPixels";
import {
  LOGO_SCALE_RANGE,
  planSyntheticImage,
  type PlanContext,
  type SyntheticImagePlan,
} from "../synthImagePlan";
import { loadSynthResources, type SynthResources } from "../synthLogos32";

const BRANDS = SYNTHLOGOS32_BRANDS.filter((b) => ["adidas", "heineken", "fedex"].includes(b.className));

let shared: SynthResources;
beforeAll(async () => {
  shared = await loadSynthResources(BRANDS);
});

const ctxWith = (randomisation: typeof DEFAULT_RANDOMISATION | undefined): PlanContext => ({
  ...shared.ctxBase,
  splitResidue: 0,
  randomisation,
});

function plan(key: string, randomisation = DEFAULT_RANDOMISATION, className: string | null = "adidas") {
  return planSyntheticImage(new SeededRandom(key), ctxWith(randomisation), className, key);
}

const changedPixels = (p: SyntheticImagePlan) => logoPixels(p, shared.resources);

describe("domain randomisation in the generator", () => {
  it("keeps boxes on the visible logo after curvature, lighting, edge crops and occlusion", async () => {
    // Keys where each geometric element applied, found by planning (cheap), then rendered.
    const wanted: RandomisationElement[] = ["SURFACE_CURVATURE", "LIGHTING", "EDGE_CROPS", "HARD_NEGATIVES"];
    const found = new Map<RandomisationElement, string[]>(wanted.map((e) => [e, []]));
    for (let i = 0; [...found.values()].some((keys) => keys.length < 3) && i < 2000; i++) {
      const key = `boxes-dr:${i}`;
      for (const element of plan(key).applied) {
        const keys = found.get(element);
        if (keys && keys.length < 3) keys.push(key);
      }
    }
    for (const [element, keys] of found) expect([element, keys.length]).toEqual([element, 3]);
    for (const key of new Set([...found.values()].flat())) {
      const p = plan(key, DEFAULT_RANDOMISATION, BRANDS[Number(key.split(":")[1]) % 3].className);
      const { boxes, inside, outside, width, height } = await changedPixels(p);
      expect({ key, outside }).toEqual({ key, outside: 0 });
      expect(boxes.length).toBe(p.logos.length);
      boxes.forEach((box, k) => {
        expect(box.x).toBeGreaterThanOrEqual(0);
        expect(box.y).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width).toBeLessThanOrEqual(width);
        expect(box.y + box.height).toBeLessThanOrEqual(height);
        // Tight: a good part of each box is logo (a cropped, curved or shaded logo still fills it).
        expect(inside[k]).toBeGreaterThan(0.1 * box.width * box.height);
      });
    }
  }, 120_000);

  it("cuts an edge-cropped logo at the frame: its box touches the image border", async () => {
    let checked = 0;
    for (let i = 0; checked < 3 && i < 2000; i++) {
      const p = plan(`edge:${i}`);
      if (!p.applied.includes("EDGE_CROPS")) continue;
      const { boxes, width, height } = await changedPixels(p);
      const touches = boxes.some(
        (b) => b.x <= 1 || b.y <= 1 || b.x + b.width >= width - 1 || b.y + b.height >= height - 1,
      );
      expect(touches).toBe(true);
      checked += 1;
    }
    expect(checked).toBe(3);
  }, 60_000);

  it("draws every element within its declared ranges, at about its declared rate", () => {
    const r = ELEMENT_RANGES;
    const counts = new Map<RandomisationElement, number>();
    const images = 2000;
    for (let i = 0; i < images; i++) {
      const p = plan(`ranges:${i}`, DEFAULT_RANDOMISATION, i % 4 === 0 ? null : "adidas");
      for (const e of p.applied) counts.set(e, (counts.get(e) ?? 0) + 1);
      for (const logo of p.logos) {
        const { curvature, lighting } = logo.surface;
        if (curvature) {
          expect(curvature.curvature).toBeGreaterThanOrEqual(r.curvature[0]);
          expect(curvature.curvature).toBeLessThan(r.curvature[1]);
        }
        if (lighting) {
          expect(lighting.gradientStrength).toBeGreaterThanOrEqual(r.gradientStrength[0]);
          expect(lighting.gradientStrength).toBeLessThan(r.gradientStrength[1]);
          if (lighting.highlight) {
            expect(lighting.highlight.strength).toBeLessThan(r.highlightStrength[1]);
            expect(lighting.highlight.width).toBeGreaterThanOrEqual(r.highlightWidth[0]);
          }
        }
      }
      const e = p.effects;
      if (e.motionBlur) {
        expect(e.motionBlur.length).toBeGreaterThanOrEqual(r.motionBlurLength[0]);
        expect(e.motionBlur.length).toBeLessThanOrEqual(r.motionBlurLength[1]);
      }
      if (e.sensorNoise) {
        expect(e.sensorNoise.sigma).toBeGreaterThanOrEqual(r.noiseSigma[0]);
        expect(e.sensorNoise.sigma).toBeLessThan(r.noiseSigma[1]);
      }
      if (e.whiteBalance) {
        expect(Math.abs(e.whiteBalance.temperature)).toBeLessThanOrEqual(r.temperature[1]);
        expect(Math.abs(e.whiteBalance.tint)).toBeLessThanOrEqual(r.tint[1]);
      }
      if (e.lowResolution !== null) {
        expect(e.lowResolution).toBeGreaterThanOrEqual(r.lowResolution[0]);
        expect(e.lowResolution).toBeLessThan(r.lowResolution[1]);
      }
      for (const encoding of e.recompression) {
        expect(encoding.quality).toBeGreaterThanOrEqual(r.recompressionQuality[0]);
        expect(encoding.quality).toBeLessThanOrEqual(r.recompressionQuality[1]);
      }
      expect(p.hardNegatives.length).toBeLessThanOrEqual(r.hardNegativeCount[1]);
    }
    // Image-wide elements apply at their rate (± 4 points over 2,000 images).
    for (const element of [
      "MOTION_BLUR",
      "SENSOR_NOISE",
      "WHITE_BALANCE",
      "LOW_RESOLUTION",
      "RECOMPRESSION",
    ] as const) {
      expect([
        element,
        Math.abs((counts.get(element) ?? 0) / images - ELEMENT_RATES[element]) < 0.04,
      ]).toEqual([element, true]);
    }
  });

  it("switching one element off leaves every other element's draws unchanged", () => {
    for (let i = 0; i < 200; i++) {
      const key = `independent:${i}`;
      const all = plan(key);
      for (const off of RANDOMISATION_ELEMENTS) {
        const without = plan(key, { ...DEFAULT_RANDOMISATION, [off]: false });
        expect(without.applied).not.toContain(off);
        if (off !== "MOTION_BLUR") expect(without.effects.motionBlur).toEqual(all.effects.motionBlur);
        if (off !== "SENSOR_NOISE") expect(without.effects.sensorNoise).toEqual(all.effects.sensorNoise);
        if (off !== "RECOMPRESSION") expect(without.effects.recompression).toEqual(all.effects.recompression);
        expect(without.background).toEqual(all.background);
        // Real-photo placement changes how many logos there are and where, so what the image
        // draws after its logos (clutter, jitter, quality) changes with it; nothing else does.
        if (off === "REALISTIC_PLACEMENT") continue;
        expect(without.applied).toEqual(all.applied.filter((e) => e !== off));
        expect(without.logos.length).toBe(all.logos.length);
        if (off !== "EDGE_CROPS")
          expect(without.logos.map((l) => l.corners)).toEqual(all.logos.map((l) => l.corners));
        expect(without.colourJitter).toEqual(all.colourJitter);
        expect(without.clutter).toEqual(all.clutter);
        expect(without.jpegQuality).toBe(all.jpegQuality);
      }
    }
  });

  it("with every element off plans exactly what the generator planned before them", () => {
    for (let i = 0; i < 300; i++) {
      const key = `original:${i}`;
      const className = i % 3 === 0 ? null : "heineken";
      const before = planSyntheticImage(new SeededRandom(key), ctxWith(undefined), className, key);
      const none = planSyntheticImage(new SeededRandom(key), ctxWith(NO_RANDOMISATION), className, key);
      expect(none).toEqual(before);
      expect(none.applied).toEqual([]);
      expect(none.hardNegatives).toEqual([]);
      for (const logo of none.logos) expect(logo.surface).toEqual({ curvature: null, lighting: null });
    }
  });

  it("places logos like real photos: larger and more often alone than the original uniform draw", () => {
    const longSides = (randomisation: typeof DEFAULT_RANDOMISATION) => {
      const sides: number[] = [];
      let single = 0;
      for (let i = 0; i < 1500; i++) {
        const p = plan(`sizes:${i}`, randomisation, "fedex");
        if (p.logos.length === 1) single += 1;
        const shortSide = Math.min(p.width, p.height);
        for (const logo of p.logos) {
          const xs = logo.corners.map((c) => c.x);
          sides.push((Math.max(...xs) - Math.min(...xs)) / shortSide);
        }
      }
      sides.sort((a, b) => a - b);
      return {
        median: sides[Math.floor(sides.length / 2)],
        p90: sides[Math.floor(sides.length * 0.9)],
        single,
      };
    };
    const real = longSides(randomisationOf(["REALISTIC_PLACEMENT"]));
    const original = longSides(NO_RANDOMISATION);
    expect(real.single / 1500).toBeGreaterThan(0.78);
    expect(original.single / 1500).toBeLessThan(0.84);
    expect(real.p90).toBeGreaterThan(LOGO_SCALE_RANGE[1]);
    expect(real.median).toBeGreaterThan(0.25);
    expect(real.median).toBeLessThan(0.5);
  });

  it("is deterministic per key: the same bytes twice, other bytes for another key", async () => {
    let key = "";
    for (let i = 0; key === "" && i < 500; i++) {
      const p = plan(`bytes:${i}`);
      const shown = new Set(p.applied);
      if (shown.has("SENSOR_NOISE") && shown.has("RECOMPRESSION")) key = `bytes:${i}`;
    }
    expect(key).not.toBe("");
    const first = await renderSyntheticImage(plan(key), shared.resources);
    const second = await renderSyntheticImage(plan(key), shared.resources);
    expect(first.jpeg.equals(second.jpeg)).toBe(true);
    expect(first.bboxes).toEqual(second.bboxes);
    const other = await renderSyntheticImage(plan(`${key}:other`), shared.resources);
    expect(other.jpeg.equals(first.jpeg)).toBe(false);
    const meta = await sharp(first.jpeg).metadata();
    expect(meta.format).toBe("jpeg");
  });
});

describe("brand marks (BRAND_MARKS)", () => {
  const MARKED = SYNTHLOGOS32_BRANDS.filter((b) => ["google", "ferrari"].includes(b.className));
  let marked: SynthResources;
  beforeAll(async () => {
    marked = await loadSynthResources(MARKED);
  });
  const planMarked = (key: string, randomisation = DEFAULT_RANDOMISATION, className = "google") =>
    planSyntheticImage(
      new SeededRandom(key),
      { ...marked.ctxBase, splitResidue: 0, randomisation },
      className,
      key,
    );

  it("every mark of every brand renders visible artwork from the offline packages", async () => {
    const marks = SYNTHLOGOS32_BRANDS.flatMap((brand) => brandMarks(brand));
    expect(marks.length).toBeGreaterThan(SYNTHLOGOS32_BRANDS.length);
    for (const mark of marks) {
      const [top] = await rasteriseSvg(loadMarkSvg(mark), 64);
      expect([mark.slug, opaqueRegion(top) !== null]).toEqual([mark.slug, true]);
    }
  });

  it("draws each of a brand's marks about equally, one per image; the primary artwork when off", () => {
    const images = 900;
    const counts = [0, 0, 0];
    for (let i = 0; i < images; i++) {
      const key = `marks:${i}`;
      const p = planMarked(key);
      const marks = new Set(p.logos.map((logo) => logo.mark));
      expect(marks.size).toBe(1);
      const [mark] = marks;
      counts[mark] += 1;
      expect(p.applied.includes("BRAND_MARKS")).toBe(mark > 0);
      expect(planMarked(key).logos.map((logo) => logo.mark)).toEqual(p.logos.map((logo) => logo.mark));
      const off = planMarked(key, { ...DEFAULT_RANDOMISATION, BRAND_MARKS: false });
      expect(off.logos.every((logo) => logo.mark === 0)).toBe(true);
      expect(off.applied).not.toContain("BRAND_MARKS");
      // Everything drawn from other streams stays as it was.
      expect(off.effects).toEqual(p.effects);
      expect(off.background).toEqual(p.background);
    }
    // google has three marks (the G, today's wordmark, the 2010–2015 wordmark): ~300 each.
    for (const count of counts) expect(Math.abs(count / images - 1 / 3)).toBeLessThan(0.05);
  });

  it("prints a mark in its own colourway on its ground: Ferrari's horse on the yellow shield", () => {
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const p = planMarked(`ground:${i}`, DEFAULT_RANDOMISATION, "ferrari");
      for (const logo of p.logos) {
        if (logo.mark !== 2) {
          expect(logo.plate === null || logo.plate.colour[2] !== 0).toBe(true);
          continue;
        }
        expect(logo.plate?.colour).toEqual([255, 210, 0]);
        expect(logo.monoColour).toBeNull();
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(60);
  });

  it("keeps boxes on the visible logo for every mark", async () => {
    for (const className of ["google", "ferrari"]) {
      const seen = new Set<number>();
      for (let i = 0; seen.size < 3 && i < 200; i++) {
        const p = planMarked(`mark-boxes:${className}:${i}`, DEFAULT_RANDOMISATION, className);
        if (seen.has(p.logos[0].mark)) continue;
        seen.add(p.logos[0].mark);
        const { boxes, inside, outside } = await logoPixels(p, marked.resources);
        expect({ className, mark: p.logos[0].mark, outside }).toEqual({
          className,
          mark: p.logos[0].mark,
          outside: 0,
        });
        expect(boxes.length).toBe(p.logos.length);
        boxes.forEach((box, k) => expect(inside[k]).toBeGreaterThan(0.1 * box.width * box.height));
      }
      expect([className, seen.size]).toEqual([className, 3]);
    }
  }, 60_000);
});

describe("photo effects", () => {
  const square = (size: number): RgbaImage => {
    const data = new Uint8Array(size * size * 4);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const o = (y * size + x) * 4;
        // A vertical bar in the middle third; colour encodes the column.
        const isBar = x >= size / 3 && x < (2 * size) / 3;
        data.set([x * 4, 100, 200, isBar ? 255 : 0], o);
      }
    }
    return { width: size, height: size, data };
  };

  it("cylinder wrap compresses the mark towards the edges and keeps the centre in place", () => {
    const source = square(60);
    const wrapped = cylinderWrap(source, { curvature: 1.2, axis: "vertical" });
    const columnsCovered = (image: RgbaImage) =>
      Array.from({ length: image.width }, (_v, x) => image.data[(30 * image.width + x) * 4 + 3] > 127).filter(
        Boolean,
      ).length;
    // The middle bar widens (the label's centre faces the camera), the centre pixel keeps its colour.
    expect(columnsCovered(wrapped)).toBeGreaterThan(columnsCovered(source));
    expect(Math.abs(wrapped.data[(30 * 60 + 30) * 4] - source.data[(30 * 60 + 30) * 4])).toBeLessThanOrEqual(
      8,
    );
    expect(wrapped.width).toBe(60);
  });

  it("lighting changes colour, never alpha", () => {
    const sprite = square(40);
    const alphaBefore = sprite.data.filter((_v, i) => i % 4 === 3);
    lightSprite(sprite, {
      gradientAngle: 0,
      gradientStrength: 0.4,
      highlight: { centre: 0.5, width: 0.2, strength: 0.4 },
    });
    expect(sprite.data.filter((_v, i) => i % 4 === 3)).toEqual(alphaBefore);
  });

  it("a motion-blur kernel sums to one; noise is seeded", () => {
    for (const length of [3, 4, 11]) {
      const { kernel, width, height } = motionBlurKernel(length, 0.7);
      expect(width % 2).toBe(1);
      expect(kernel).toHaveLength(width * height);
      expect(kernel.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 9);
    }
    const canvas = () => ({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).fill(128) });
    const [a, b] = [canvas(), canvas()];
    addSensorNoise(a, { sigma: 6, chroma: 0.3, seed: "n" });
    addSensorNoise(b, { sigma: 6, chroma: 0.3, seed: "n" });
    expect(a.data).toEqual(b.data);
    expect(a.data.some((v) => v !== 128)).toBe(true);
  });
});

describe("hard negatives", () => {
  it("never shows a protected brand, whatever the spelling", () => {
    expect(isProtectedBrand("Carlsberg Group", PROTECTED_BRAND_NAMES)).toBe(true);
    expect(isProtectedBrand("Red Bull", PROTECTED_BRAND_NAMES)).toBe(true);
    expect(isProtectedBrand("Citroën", PROTECTED_BRAND_NAMES)).toBe(true);
    expect(isProtectedBrand("HP", PROTECTED_BRAND_NAMES)).toBe(true);
    expect(isProtectedBrand("PHP", PROTECTED_BRAND_NAMES)).toBe(false);
    const pool = hardNegativeSvgs(200, "test-pool");
    expect(pool).toHaveLength(200);
    for (const { title } of pool)
      expect([title, isProtectedBrand(title, PROTECTED_BRAND_NAMES)]).toEqual([title, false]);
    expect(hardNegativeSvgs(10, "test-pool")).toEqual(pool.slice(0, 10));
  });
});

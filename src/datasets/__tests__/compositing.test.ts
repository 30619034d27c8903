import { colourJitterMatrix } from "../colourJitter";
import { applyHomography, homographyFromPoints, opaqueBounds, warpSprite } from "../perspectiveWarp";
import { SeededRandom } from "../seededRandom";

describe("perspective warp", () => {
  it("maps each source corner onto its target corner", () => {
    const from = [
      { x: 0, y: 0 },
      { x: 100, y: 0 },
      { x: 100, y: 50 },
      { x: 0, y: 50 },
    ];
    const to = [
      { x: 10, y: 20 },
      { x: 90, y: 5 },
      { x: 120, y: 70 },
      { x: 5, y: 60 },
    ];
    const h = homographyFromPoints(from, to);
    from.forEach((p, i) => {
      const q = applyHomography(h, p);
      expect(q.x).toBeCloseTo(to[i].x, 6);
      expect(q.y).toBeCloseTo(to[i].y, 6);
    });
  });

  it("places an opaque square exactly on an axis-aligned target and boxes it", () => {
    const source = { width: 4, height: 4, data: new Uint8Array(64).fill(255) };
    const corners = [
      { x: 10, y: 20 },
      { x: 30, y: 20 },
      { x: 30, y: 30 },
      { x: 10, y: 30 },
    ];
    const sprite = warpSprite(source, corners, 64, 64);
    expect([sprite.left, sprite.top, sprite.width, sprite.height]).toEqual([10, 20, 20, 10]);
    expect(opaqueBounds(sprite)).toEqual({ x: 10, y: 20, width: 20, height: 10 });
  });

  it("clips a sprite to the canvas", () => {
    const source = { width: 2, height: 2, data: new Uint8Array(16).fill(255) };
    const sprite = warpSprite(
      source,
      [
        { x: -5, y: -5 },
        { x: 5, y: -5 },
        { x: 5, y: 5 },
        { x: -5, y: 5 },
      ],
      8,
      8,
    );
    expect([sprite.left, sprite.top, sprite.width, sprite.height]).toEqual([0, 0, 5, 5]);
  });
});

describe("colour jitter", () => {
  it("is the identity at brightness 1, saturation 1, hue 0", () => {
    const m = colourJitterMatrix({ brightness: 1, saturation: 1, hueDegrees: 0 });
    m.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(i === j ? 1 : 0, 6)));
  });

  it("turns every colour grey at saturation 0", () => {
    const m = colourJitterMatrix({ brightness: 1, saturation: 0, hueDegrees: 0 });
    expect(m[0]).toEqual(m[1]);
    expect(m[1]).toEqual(m[2]);
  });
});

describe("seeded random", () => {
  it("repeats its sequence for the same key and differs for another", () => {
    const draw = (key: string) =>
      Array.from(
        { length: 5 },
        (
          (rng) => () =>
            rng.next()
        )(new SeededRandom(key)),
      );
    expect(draw("a")).toEqual(draw("a"));
    expect(draw("a")).not.toEqual(draw("b"));
  });
});

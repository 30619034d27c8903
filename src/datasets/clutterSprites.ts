import { rasteriseSvg, type RasterPyramid } from "./artworkRaster";
import { SeededRandom } from "./seededRandom";

/**
 * Non-brand graphics pasted into every kind of image (and over logos as occluders), so that "a
 * pasted graphic is present" never tells a logo image from a no-logo one: short words and
 * codes in several fonts, geometric badges, arrows, stars, stripes and blobs.
 */

const WORDS = [
  "OPEN",
  "SALE",
  "EXIT",
  "CAFE",
  "BAR",
  "HOTEL",
  "TAXI",
  "STOP",
  "PARK",
  "INFO",
  "24h",
  "No 7",
  "A12",
  "WC",
  "BUS",
  "ZONE",
  "MENU",
  "BIO",
  "FRESH",
  "CITY",
  "CLUB",
  "SHOP",
  "BAKERY",
  "-50%",
  "GATE 3",
  "ROOM",
  "PIZZA",
  "KIOSK",
  "TICKETS",
  "LOTTO",
  "MARKET",
  "DELI",
  "POST",
  "BOOKS",
  "SURF",
  "WINE",
  "PHARMA",
];
const FONTS = ["DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono", "sans-serif", "serif"];

function colour(rng: SeededRandom): string {
  const hue = rng.int(0, 359);
  const sat = rng.int(20, 95);
  const light = rng.pick([15, 30, 45, 60, 85, 95]);
  return `hsl(${hue},${sat}%,${light}%)`;
}

function starPoints(cx: number, cy: number, spikes: number, outer: number, inner: number): string {
  const points: string[] = [];
  for (let i = 0; i < spikes * 2; i++) {
    const r = i % 2 === 0 ? outer : inner;
    const a = (Math.PI * i) / spikes - Math.PI / 2;
    points.push(`${(cx + r * Math.cos(a)).toFixed(1)},${(cy + r * Math.sin(a)).toFixed(1)}`);
  }
  return points.join(" ");
}

/** One random non-brand graphic as SVG source (deterministic in `rng`). */
export function clutterSvg(rng: SeededRandom): string {
  const kind = rng.pick(["word", "word", "badge", "star", "arrow", "stripes", "blob", "ring"] as const);
  const fill = colour(rng);
  const other = colour(rng);
  const open = `<svg xmlns="http://www.w3.org/2000/svg"`;
  switch (kind) {
    case "word": {
      const word = rng.pick(WORDS);
      const font = rng.pick(FONTS);
      const weight = rng.pick(["normal", "bold"]);
      const width = 40 + word.length * 38;
      const hasPlate = rng.chance(0.5);
      const plate = hasPlate
        ? `<rect width="${width}" height="90" rx="${rng.int(0, 30)}" fill="${other}"/>`
        : "";
      return `${open} width="${width}" height="90">${plate}<text x="20" y="64" font-family="${font}" font-weight="${weight}" font-size="56" fill="${fill}">${word}</text></svg>`;
    }
    case "badge":
      return rng.chance(0.5)
        ? `${open} width="200" height="200"><circle cx="100" cy="100" r="95" fill="${fill}"/><circle cx="100" cy="100" r="${rng.int(30, 70)}" fill="${other}"/></svg>`
        : `${open} width="240" height="160"><rect x="5" y="5" width="230" height="150" rx="${rng.int(0, 60)}" fill="${fill}"/><rect x="40" y="50" width="160" height="${rng.int(20, 60)}" fill="${other}"/></svg>`;
    case "star":
      return `${open} width="200" height="200"><polygon points="${starPoints(100, 100, rng.int(4, 8), 95, rng.int(30, 60))}" fill="${fill}"/></svg>`;
    case "arrow":
      return `${open} width="240" height="140"><polygon points="5,45 150,45 150,5 235,70 150,135 150,95 5,95" fill="${fill}"/></svg>`;
    case "stripes": {
      const stripes = Array.from(
        { length: rng.int(3, 6) },
        (_v, i) => `<rect x="0" y="${i * 34}" width="240" height="18" fill="${i % 2 ? fill : other}"/>`,
      );
      return `${open} width="240" height="${34 * stripes.length}">${stripes.join("")}</svg>`;
    }
    case "blob": {
      const points = Array.from({ length: 9 }, (_v, i) => {
        const a = (2 * Math.PI * i) / 9;
        const r = rng.range(50, 95);
        return `${(100 + r * Math.cos(a)).toFixed(1)},${(100 + r * Math.sin(a)).toFixed(1)}`;
      });
      return `${open} width="200" height="200"><polygon points="${points.join(" ")}" fill="${fill}"/></svg>`;
    }
    case "ring":
      return `${open} width="200" height="200"><circle cx="100" cy="100" r="80" fill="none" stroke="${fill}" stroke-width="${rng.int(8, 30)}"/></svg>`;
  }
}

/** Rasterises `count` clutter graphics drawn from a fixed key (the same pool for every split). */
export async function buildClutterPool(
  count: number,
  key = "synthlogos32:clutter:v1",
): Promise<RasterPyramid[]> {
  const rng = new SeededRandom(key);
  const svgs = Array.from({ length: count }, () => clutterSvg(rng));
  const pool: RasterPyramid[] = [];
  // 256 px is plenty: clutter is never pasted larger than 45 % of a 512 px image's short side.
  for (const svg of svgs) pool.push(await rasteriseSvg(svg, 256));
  return pool;
}

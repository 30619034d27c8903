import * as simpleIcons from "simple-icons";
import { rasteriseSvg, type RasterPyramid } from "./artworkRaster";
import { SeededRandom } from "./seededRandom";

/**
 * Brands no hard negative may show: the dataset's own, FlickrLogos-32's and FlickrLogos-27's (a
 * distractor labelled no-logo must never be a brand some evaluation calls a logo).
 */
export const PROTECTED_BRAND_NAMES: readonly string[] = [
  ...["adidas", "aldi", "apple", "becks", "bmw", "carlsberg", "chimay", "cocacola", "corona", "dhl"],
  ...["erdinger", "esso", "fedex", "ferrari", "ford", "fosters", "google", "guinness", "guiness"],
  ...["heineken", "hp", "milka", "nvidia", "paulaner", "pepsi", "rittersport", "shell", "singha"],
  ...["starbucks", "stellaartois", "texaco", "tsingtao", "ups", "citroen", "intel", "mcdonalds"],
  ...["mini", "nbc", "nike", "porsche", "puma", "redbull", "sprite", "unicef", "vodafone", "yahoo"],
  ...["volkswagen", "audi", "toyota", "samsung"],
];

const normalised = (name: string) =>
  name
    .normalize("NFD")
    .replace(/[^a-z0-9]/gi, "")
    .toLowerCase();

/**
 * Whether an icon titled `title` may stand for a protected brand: its name equals one, or
 * contains one of four letters or more ("Carlsberg Group", "Red Bull Racing").
 */
export function isProtectedBrand(title: string, protectedNames: readonly string[]): boolean {
  const name = normalised(title);
  return protectedNames.some((brand) => name === brand || (brand.length >= 4 && name.includes(brand)));
}

interface SimpleIcon {
  title: string;
  svg: string;
  hex: string;
}

/** `count` other brands' marks from simple-icons (CC0), in their colours, chosen by `key`. */
export function hardNegativeSvgs(
  count: number,
  key: string,
  protectedNames: readonly string[] = PROTECTED_BRAND_NAMES,
): { title: string; svg: string }[] {
  const icons = Object.values(simpleIcons as unknown as Record<string, SimpleIcon>)
    .filter((icon) => typeof icon?.svg === "string" && !isProtectedBrand(icon.title, protectedNames))
    .sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
  const rng = new SeededRandom(key);
  const chosen: SimpleIcon[] = [];
  const taken = new Set<number>();
  while (chosen.length < Math.min(count, icons.length)) {
    const i = rng.int(0, icons.length - 1);
    if (taken.has(i)) continue;
    taken.add(i);
    chosen.push(icons[i]);
  }
  return chosen.map((icon) => ({
    title: icon.title,
    svg: icon.svg.replace(/<svg\b([^>]*)>/, (_m, attrs: string) => `<svg${attrs} fill="#${icon.hex}">`),
  }));
}

/** Rasterises the hard-negative pool once per generator run (the same pool for every split). */
export async function buildHardNegativePool(
  count: number,
  key = "synthlogos32:hard-negatives:v1",
): Promise<RasterPyramid[]> {
  const pool: RasterPyramid[] = [];
  for (const { svg } of hardNegativeSvgs(count, key)) pool.push(await rasteriseSvg(svg, 256));
  return pool;
}

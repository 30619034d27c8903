import { createRequire } from "node:module";
import * as simpleIcons from "simple-icons";

/** Where a brand's artwork comes from. */
export type ArtworkPackage =
  | "@thesvg/icons"
  | "simple-icons"
  | "@iconify-json/simple-icons"
  | "@iconify-json/logos"
  | "@iconify-json/cib";

/** One piece of artwork for a brand: a package, the icon in it and how it is coloured. */
export interface BrandMark {
  artworkPackage: ArtworkPackage;
  packageVersion: string;
  /**
   * Icon in the package: `@thesvg/icons/<slug>`, the simple-icons export name, or the icon's
   * name in an Iconify set.
   */
  slug: string;
  /** A named variant of an `@thesvg/icons` entry (e.g. `wordmark`) instead of its default. */
  variant?: string;
  /** Licence of the package. */
  packageLicense: string;
  /** Licence the package states for this icon. */
  artworkLicense: string;
  /**
   * Fill that replaces every fill of one-colour artwork: white artwork would vanish on white
   * signs, and DHL's yellow letters belong on a yellow ground in red.
   */
  fillOverride?: string;
  /**
   * The ground the mark is printed on in the brand's own colourway (`#rrggbb`: DHL's yellow
   * livery, Ferrari's yellow shield, Coca-Cola's red): its logos always sit on a plate of it.
   */
  groundColour?: string;
}

/**
 * Another mark of a brand than its primary artwork: a wordmark, a symbol, an earlier version, or
 * the same artwork in another official colourway.
 */
export interface AlternateMark extends BrandMark {
  /** What it shows, e.g. "prancing horse" or "2010–2015 wordmark". */
  name: string;
}

/** One class of SynthLogos-32 and the artwork that stands for it. */
export interface SynthBrand extends BrandMark {
  /** Class (folder) name. */
  className: string;
  title: string;
  /** The FlickrLogos-32 class this brand stands in for when that class has no free artwork. */
  replaces?: string;
  /**
   * The brand's other marks in the offline packages (the `BRAND_MARKS` randomisation element
   * draws among the primary artwork and these); none when the packages have only one.
   */
  alternateMarks?: readonly AlternateMark[];
}

const THESVG = {
  artworkPackage: "@thesvg/icons",
  packageVersion: "3.3.8",
  packageLicense: "MIT",
  artworkLicense: "CC0-1.0",
} as const;
const SIMPLE = {
  artworkPackage: "simple-icons",
  packageVersion: "16.37.0",
  packageLicense: "CC0-1.0",
  artworkLicense: "CC0-1.0",
} as const;
const ICONIFY_SIMPLE = {
  artworkPackage: "@iconify-json/simple-icons",
  packageVersion: "1.2.103",
  packageLicense: "CC0-1.0",
  artworkLicense: "CC0-1.0",
} as const;
const ICONIFY_LOGOS = {
  artworkPackage: "@iconify-json/logos",
  packageVersion: "1.2.19",
  packageLicense: "CC0-1.0",
  artworkLicense: "CC0-1.0",
} as const;
const ICONIFY_CIB = {
  artworkPackage: "@iconify-json/cib",
  packageVersion: "1.2.3",
  packageLicense: "CC0-1.0",
  artworkLicense: "CC0-1.0",
} as const;

/**
 * The 32 brands of SynthLogos-32: the 18 FlickrLogos-32 brands that have free artwork, then 14
 * substitutes (FlickrLogos-27 brands first) for the FlickrLogos-32 brands that have none. All
 * artwork is CC0 per its package's metadata; McDonald's comes from simple-icons because
 * @thesvg/icons marks its copy "Fair Use"; Pepsi from @iconify-json/simple-icons because
 * @thesvg/icons' "pepsi" is the PepsiCo corporate mark; NVIDIA from simple-icons because
 * @thesvg/icons' artwork adds a clipped wordmark. The logos remain their owners' trademarks.
 */
export const SYNTHLOGOS32_BRANDS: readonly SynthBrand[] = [
  { className: "adidas", title: "Adidas", slug: "adidas", ...THESVG },
  { className: "aldi", title: "Aldi Nord", slug: "aldi-nord", ...THESVG },
  { className: "apple", title: "Apple", slug: "apple", ...THESVG, fillOverride: "#555555" },
  { className: "bmw", title: "BMW", slug: "bmw", ...THESVG },
  { className: "carlsberg", title: "Carlsberg Group", slug: "siCarlsberggroup", ...SIMPLE },
  {
    className: "cocacola",
    title: "Coca-Cola",
    slug: "coca-cola",
    ...THESVG,
    alternateMarks: [
      {
        name: "white on red",
        slug: "coca-cola",
        ...THESVG,
        fillOverride: "#FFFFFF",
        groundColour: "#E4002B",
      },
    ],
  },
  {
    className: "dhl",
    title: "DHL",
    slug: "dhl",
    ...THESVG,
    fillOverride: "#D40511",
    alternateMarks: [
      {
        name: "on the yellow livery",
        slug: "dhl",
        ...THESVG,
        fillOverride: "#D40511",
        groundColour: "#FFCC00",
      },
    ],
  },
  { className: "fedex", title: "FedEx", slug: "fedex", ...THESVG },
  {
    className: "ferrari",
    title: "Ferrari",
    slug: "ferrari",
    ...THESVG,
    alternateMarks: [
      { name: "prancing horse", slug: "siFerrari", ...SIMPLE },
      {
        name: "prancing horse on the yellow shield",
        slug: "siFerrari",
        ...SIMPLE,
        fillOverride: "#000000",
        groundColour: "#FFD200",
      },
    ],
  },
  { className: "ford", title: "Ford", slug: "ford", ...THESVG },
  {
    className: "google",
    title: "Google",
    slug: "google",
    ...THESVG,
    alternateMarks: [
      { name: "wordmark", slug: "google", variant: "wordmark", ...THESVG },
      { name: "2010–2015 wordmark", slug: "google-2014", ...ICONIFY_LOGOS },
    ],
  },
  {
    className: "heineken",
    title: "Heineken",
    slug: "heineken",
    ...THESVG,
    alternateMarks: [
      {
        name: "white on the green label",
        slug: "heineken",
        ...THESVG,
        fillOverride: "#FFFFFF",
        groundColour: "#00612E",
      },
    ],
  },
  { className: "hp", title: "HP", slug: "hp", ...THESVG },
  {
    className: "nvidia",
    title: "NVIDIA",
    slug: "siNvidia",
    ...SIMPLE,
    alternateMarks: [{ name: "symbol and wordmark", slug: "nvidia", ...ICONIFY_LOGOS }],
  },
  { className: "pepsi", title: "Pepsi", slug: "pepsi", ...ICONIFY_SIMPLE, fillOverride: "#004B93" },
  { className: "shell", title: "Shell", slug: "shell", ...THESVG },
  { className: "starbucks", title: "Starbucks", slug: "starbucks", ...THESVG },
  { className: "ups", title: "UPS", slug: "ups", ...THESVG },
  { className: "redbull", title: "Red Bull", slug: "red-bull", replaces: "becks", ...THESVG },
  { className: "mcdonalds", title: "McDonald's", slug: "siMcdonalds", replaces: "chimay", ...SIMPLE },
  { className: "nike", title: "Nike", slug: "nike", replaces: "corona", ...THESVG },
  { className: "puma", title: "Puma", slug: "puma", replaces: "erdinger", ...THESVG },
  {
    className: "citroen",
    title: "Citroën",
    slug: "citroen",
    replaces: "esso",
    ...THESVG,
    alternateMarks: [{ name: "2022 red emblem", slug: "siCitroen", ...SIMPLE }],
  },
  {
    className: "intel",
    title: "Intel",
    slug: "intel",
    replaces: "fosters",
    ...THESVG,
    alternateMarks: [{ name: "2006–2020 oval", slug: "intel", ...ICONIFY_CIB, fillOverride: "#0071C5" }],
  },
  { className: "vodafone", title: "Vodafone", slug: "vodafone", replaces: "guiness", ...THESVG },
  { className: "mini", title: "MINI", slug: "mini", replaces: "milka", ...THESVG },
  { className: "porsche", title: "Porsche", slug: "porsche", replaces: "paulaner", ...THESVG },
  { className: "nbc", title: "NBC", slug: "nbc", replaces: "rittersport", ...THESVG },
  { className: "volkswagen", title: "Volkswagen", slug: "volkswagen", replaces: "singha", ...THESVG },
  { className: "audi", title: "Audi", slug: "audi", replaces: "stellaartois", ...THESVG },
  { className: "toyota", title: "Toyota", slug: "toyota", replaces: "texaco", ...THESVG },
  { className: "samsung", title: "Samsung", slug: "samsung", replaces: "tsingtao", ...THESVG },
];

interface TheSvgIcon {
  svg: string;
  hex: string;
  license: string;
  variants?: Record<string, string | undefined>;
}

const requireArtwork = createRequire(__filename);

/** Adds a fill colour to a one-colour SVG's root element (simple-icons ship none). */
function withRootFill(svg: string, fill: string): string {
  return svg.replace(
    /<svg\b([^>]*)>/,
    (_m, attrs: string) => `<svg${attrs.replace(/\sfill="[^"]*"/, "")} fill="${fill}">`,
  );
}

interface IconifySet {
  width?: number;
  height?: number;
  icons: Record<string, { body: string; width?: number; height?: number } | undefined>;
}

/** An Iconify icon as a standalone SVG; `currentColor` (one-colour sets) becomes `fill`. */
function iconifySvg(mark: BrandMark): string {
  const set = requireArtwork(`${mark.artworkPackage}/icons.json`) as IconifySet;
  const icon = set.icons[mark.slug];
  if (icon === undefined) throw new Error(`${mark.artworkPackage} has no ${mark.slug}`);
  const width = icon.width ?? set.width ?? 16;
  const height = icon.height ?? set.height ?? 16;
  const fill = mark.fillOverride ?? "#000000";
  const body = icon.body.replace(/currentColor/g, fill);
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" fill="${fill}">${body}</svg>`;
}

/** The SVG source of one mark, coloured as its package ships it (or with its fill override). */
export function loadMarkSvg(mark: BrandMark): string {
  if (mark.artworkPackage === "simple-icons") {
    const icon = (simpleIcons as unknown as Record<string, { svg: string; hex: string } | undefined>)[
      mark.slug
    ];
    if (icon === undefined) throw new Error(`simple-icons has no ${mark.slug}`);
    return withRootFill(icon.svg, mark.fillOverride ?? `#${icon.hex}`);
  }
  if (mark.artworkPackage !== "@thesvg/icons") return iconifySvg(mark);
  const icon = requireArtwork(`@thesvg/icons/${mark.slug}`) as TheSvgIcon;
  const svg = mark.variant === undefined ? icon.svg : icon.variants?.[mark.variant];
  if (svg === undefined) throw new Error(`@thesvg/icons/${mark.slug} has no variant ${mark.variant}`);
  if (mark.fillOverride === undefined) return svg;
  return svg.replace(/fill="#[0-9a-f]{3,6}"/gi, `fill="${mark.fillOverride}"`);
}

/** `#rrggbb` as `[r, g, b]`. */
export function rgbOfHex(hex: string): [number, number, number] {
  const value = Number.parseInt(hex.replace(/^#/, ""), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/** Every mark of `brand`: its primary artwork first, then its alternate marks. */
export function brandMarks(brand: SynthBrand): BrandMark[] {
  return [brand, ...(brand.alternateMarks ?? [])];
}

/** The licence the package states for this mark (read at run time, for the manifest). */
export function readArtworkLicense(mark: BrandMark): string {
  if (mark.artworkPackage !== "@thesvg/icons") return mark.artworkLicense;
  return (requireArtwork(`@thesvg/icons/${mark.slug}`) as TheSvgIcon).license;
}

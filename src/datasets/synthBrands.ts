import { createRequire } from "node:module";
import * as simpleIcons from "simple-icons";

/** Where a brand's artwork comes from. */
export type ArtworkPackage = "@thesvg/icons" | "simple-icons" | "@iconify-json/simple-icons";

/** One class of SynthLogos-32 and the artwork that stands for it. */
export interface SynthBrand {
  /** Class (folder) name. */
  className: string;
  title: string;
  artworkPackage: ArtworkPackage;
  packageVersion: string;
  /** Slug in the package (`@thesvg/icons/<slug>`, or the simple-icons export name). */
  slug: string;
  /** Licence of the package. */
  packageLicense: string;
  /** Licence the package states for this icon. */
  artworkLicense: string;
  /** The FlickrLogos-32 class this brand stands in for when that class has no free artwork. */
  replaces?: string;
  /**
   * Fill that replaces every fill of one-colour artwork: white artwork would vanish on white
   * signs, and DHL's yellow letters belong on a yellow ground in red.
   */
  fillOverride?: string;
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
  { className: "cocacola", title: "Coca-Cola", slug: "coca-cola", ...THESVG },
  { className: "dhl", title: "DHL", slug: "dhl", ...THESVG, fillOverride: "#D40511" },
  { className: "fedex", title: "FedEx", slug: "fedex", ...THESVG },
  { className: "ferrari", title: "Ferrari", slug: "ferrari", ...THESVG },
  { className: "ford", title: "Ford", slug: "ford", ...THESVG },
  { className: "google", title: "Google", slug: "google", ...THESVG },
  { className: "heineken", title: "Heineken", slug: "heineken", ...THESVG },
  { className: "hp", title: "HP", slug: "hp", ...THESVG },
  { className: "nvidia", title: "NVIDIA", slug: "siNvidia", ...SIMPLE },
  { className: "pepsi", title: "Pepsi", slug: "pepsi", ...ICONIFY_SIMPLE, fillOverride: "#004B93" },
  { className: "shell", title: "Shell", slug: "shell", ...THESVG },
  { className: "starbucks", title: "Starbucks", slug: "starbucks", ...THESVG },
  { className: "ups", title: "UPS", slug: "ups", ...THESVG },
  { className: "redbull", title: "Red Bull", slug: "red-bull", replaces: "becks", ...THESVG },
  { className: "mcdonalds", title: "McDonald's", slug: "siMcdonalds", replaces: "chimay", ...SIMPLE },
  { className: "nike", title: "Nike", slug: "nike", replaces: "corona", ...THESVG },
  { className: "puma", title: "Puma", slug: "puma", replaces: "erdinger", ...THESVG },
  { className: "citroen", title: "Citroën", slug: "citroen", replaces: "esso", ...THESVG },
  { className: "intel", title: "Intel", slug: "intel", replaces: "fosters", ...THESVG },
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
  width: number;
  height: number;
  icons: Record<string, { body: string } | undefined>;
}

/** The brand's SVG source, coloured as its package ships it (or with its fill override). */
export function loadBrandSvg(brand: SynthBrand): string {
  if (brand.artworkPackage === "simple-icons") {
    const icon = (simpleIcons as unknown as Record<string, { svg: string; hex: string } | undefined>)[
      brand.slug
    ];
    if (icon === undefined) throw new Error(`simple-icons has no ${brand.slug}`);
    return withRootFill(icon.svg, brand.fillOverride ?? `#${icon.hex}`);
  }
  if (brand.artworkPackage === "@iconify-json/simple-icons") {
    const set = requireArtwork("@iconify-json/simple-icons/icons.json") as IconifySet;
    const icon = set.icons[brand.slug];
    if (icon === undefined) throw new Error(`@iconify-json/simple-icons has no ${brand.slug}`);
    const fill = brand.fillOverride ?? "#000000";
    const body = icon.body.replace(/currentColor/g, fill);
    return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${set.width} ${set.height}" fill="${fill}">${body}</svg>`;
  }
  const icon = requireArtwork(`@thesvg/icons/${brand.slug}`) as TheSvgIcon;
  if (brand.fillOverride === undefined) return icon.svg;
  return icon.svg.replace(/fill="#[0-9a-f]{3,6}"/gi, `fill="${brand.fillOverride}"`);
}

/** The licence the package states for this brand's icon (read at run time, for the manifest). */
export function readArtworkLicense(brand: SynthBrand): string {
  if (brand.artworkPackage !== "@thesvg/icons") return brand.artworkLicense;
  return (requireArtwork(`@thesvg/icons/${brand.slug}`) as TheSvgIcon).license;
}

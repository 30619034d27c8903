import type { SplitName } from "./datasetManifest";
import type { ListName } from "./flickrLogos32Layout";

import { SPLIT_RECIPES, type SplitRecipe } from "../vocabulary";

/**
 * How FlickrLogos-32's four lists become train/val/test:
 * - `OFFICIAL`: train = trainset (320 logos); val = valset logos + valset no-logo (3,960);
 *   test = testset (3,960).
 * - `ARTICLE`: train = trainset + the first half of valset-nologos (1,820); val = valset logos +
 *   the second half (2,460); test unchanged. The first half is `floor(n / 2)` entries in list order.
 */
/** Applies a recipe to the four lists (relpaths in list order); pure, order-preserving. */
export function applySplitRecipe(
  lists: Readonly<Record<ListName, readonly string[]>>,
  recipe: SplitRecipe,
): Record<SplitName, string[]> {
  if (recipe === "OFFICIAL") {
    return { train: [...lists.train], val: [...lists.valLogos, ...lists.valNoLogos], test: [...lists.test] };
  }
  const half = Math.floor(lists.valNoLogos.length / 2);
  return {
    train: [...lists.train, ...lists.valNoLogos.slice(0, half)],
    val: [...lists.valLogos, ...lists.valNoLogos.slice(half)],
    test: [...lists.test],
  };
}

/** Parses a recipe name case-insensitively, or returns null. */
export function parseSplitRecipe(name: string): SplitRecipe | null {
  const upper = name.toUpperCase();
  return (SPLIT_RECIPES as readonly string[]).includes(upper) ? (upper as SplitRecipe) : null;
}

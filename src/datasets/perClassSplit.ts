import type { SplitName } from "./datasetManifest";

/** How an import without split lists divides each class: the first images train, the next validate, the rest test. */
export interface PerClassSplit {
  /** Images of each logo class that go to train, in the source's order. */
  trainPerClass: number;
  /** Images of each logo class after those that go to val; the rest go to test. */
  valPerClass: number;
  /** Share of the no-logo images that goes to val (the first ones); the rest go to test. */
  noLogoValShare: number;
}

/** FlickrLogos-27's 15 development images per brand: 10 train, 2 validate, 3 test; no-logo half val, half test. */
export const DEFAULT_PER_CLASS_SPLIT: PerClassSplit = {
  trainPerClass: 10,
  valPerClass: 2,
  noLogoValShare: 0.5,
};

/**
 * The split of each item (in input order): per class, the first `trainPerClass` → train, the next
 * `valPerClass` → val, the rest → test; items of `noLogoClass` → val (the first share) or test.
 * Items marked `isTestOnly` (e.g. a release's query set) always go to test. Pure.
 */
export function assignPerClassSplits<T>(
  items: readonly T[],
  classOf: (item: T) => string,
  split: PerClassSplit,
  noLogoClass: string,
  isTestOnly: (item: T) => boolean = () => false,
): SplitName[] {
  const seen = new Map<string, number>();
  const noLogoCount = items.filter((item) => classOf(item) === noLogoClass && !isTestOnly(item)).length;
  const noLogoVal = Math.round(noLogoCount * split.noLogoValShare);
  return items.map((item) => {
    if (isTestOnly(item)) return "test";
    const className = classOf(item);
    const index = seen.get(className) ?? 0;
    seen.set(className, index + 1);
    if (className === noLogoClass) return index < noLogoVal ? "val" : "test";
    if (index < split.trainPerClass) return "train";
    return index < split.trainPerClass + split.valPerClass ? "val" : "test";
  });
}

/** Checks a requested split; returns the name of the first bad field, or null. */
export function invalidPerClassSplitField(split: PerClassSplit): keyof PerClassSplit | null {
  if (!Number.isInteger(split.trainPerClass) || split.trainPerClass < 1) return "trainPerClass";
  if (!Number.isInteger(split.valPerClass) || split.valPerClass < 0) return "valPerClass";
  if (!(split.noLogoValShare >= 0 && split.noLogoValShare <= 1)) return "noLogoValShare";
  return null;
}

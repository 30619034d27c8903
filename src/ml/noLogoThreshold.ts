import { argmax } from "./evaluate";

/** The class name of images without a logo (FlickrLogos-32's and LogoLab's datasets use it). */
export const NO_LOGO_LABEL = "no-logo";

/** The threshold {@link chooseNoLogoThreshold} picked and the validation scores it reaches. */
export interface NoLogoThresholdChoice {
  /** "no-logo" when P(no-logo) ≥ this, else the most probable brand (see `decide`). */
  threshold: number;
  /** Harmonic mean of recognition precision and recall on validation: what the choice maximises. */
  recognitionF1: number;
  /** Correct decisions (brand or no-logo) / all validation images at this threshold. */
  recognitionAccuracy: number;
}

interface ScoredImage {
  noLogoProbability: number;
  isLogoImage: boolean;
  /** The most probable brand (no-logo excluded) is the actual class. */
  isBrandCorrect: boolean;
}

function scoreImages(
  probabilities: ArrayLike<number>,
  classCount: number,
  actual: ArrayLike<number>,
  noLogoIndex: number,
): ScoredImage[] {
  const scored: ScoredImage[] = [];
  for (let n = 0; n < actual.length; n++) {
    const offset = n * classCount;
    let bestBrand = -1;
    for (let c = 0; c < classCount; c++) {
      if (c === noLogoIndex) continue;
      if (bestBrand < 0 || probabilities[offset + c] > probabilities[offset + bestBrand]) bestBrand = c;
    }
    scored.push({
      noLogoProbability: probabilities[offset + noLogoIndex],
      isLogoImage: actual[n] !== noLogoIndex,
      isBrandCorrect: bestBrand === actual[n],
    });
  }
  return scored.sort((a, b) => a.noLogoProbability - b.noLogoProbability);
}

function harmonicMean(a: number, b: number): number {
  return a + b === 0 ? 0 : (2 * a * b) / (a + b);
}

/**
 * Picks the no-logo probability threshold on validation predictions that maximises FlickrLogos-32
 * recognition F1 (the harmonic mean of brand precision and brand recall, as `recognitionScores`
 * defines them); ties go to the higher recognition accuracy, then to the lower threshold.
 * F1 rather than accuracy: validation splits hold ~3× more no-logo than logo images, and accuracy
 * would then reward calling nearly everything "no-logo".
 *
 * `probabilities` is row-major `[N, classCount]`, `actual` `[N]` class indices. Candidates lie
 * midway between consecutive distinct no-logo probabilities (plus one below the smallest and one
 * above the largest), so the choice does not sit on a validation image's exact score. One sort and
 * one sweep: O(N log N + N·classCount).
 */
export function chooseNoLogoThreshold(
  probabilities: ArrayLike<number>,
  classCount: number,
  actual: ArrayLike<number>,
  noLogoIndex: number,
): NoLogoThresholdChoice {
  if (probabilities.length !== actual.length * classCount) {
    throw new Error(
      `probabilities has ${probabilities.length} entries, expected ${actual.length}×${classCount}`,
    );
  }
  const images = scoreImages(probabilities, classCount, actual, noLogoIndex);
  const logoImages = images.filter((image) => image.isLogoImage).length;
  const noLogoImages = images.length - logoImages;
  // Sweep upwards: images[0 … i) are decided as a brand, images[i …) as no-logo.
  let correctBrands = 0;
  let noLogoBelow = 0;
  let best: NoLogoThresholdChoice | undefined;
  for (let i = 0; i <= images.length; i++) {
    if (i > 0) {
      if (images[i - 1].isLogoImage && images[i - 1].isBrandCorrect) correctBrands++;
      if (!images[i - 1].isLogoImage) noLogoBelow++;
    }
    const isBoundary =
      i === 0 || i === images.length || images[i].noLogoProbability > images[i - 1].noLogoProbability;
    if (!isBoundary) continue;
    const lower = i === 0 ? 0 : images[i - 1].noLogoProbability;
    const upper = i === images.length ? 1 : images[i].noLogoProbability;
    const threshold = (lower + upper) / 2;
    const precision = i === 0 ? 0 : correctBrands / i;
    const recall = logoImages === 0 ? 0 : correctBrands / logoImages;
    const candidate: NoLogoThresholdChoice = {
      threshold,
      recognitionF1: harmonicMean(precision, recall),
      recognitionAccuracy:
        images.length === 0 ? 0 : (correctBrands + noLogoImages - noLogoBelow) / images.length,
    };
    const isBetter =
      best === undefined ||
      candidate.recognitionF1 > best.recognitionF1 ||
      (candidate.recognitionF1 === best.recognitionF1 &&
        candidate.recognitionAccuracy > best.recognitionAccuracy);
    if (isBetter) best = candidate;
  }
  return best!;
}

/**
 * Whether an image shows a logo, from its class probabilities `[classCount]`: P(no-logo) below the
 * checkpoint's threshold; without a threshold (older checkpoints) the argmax is not no-logo; with no
 * no-logo class (`noLogoIndex` −1) every image shows one of the brands.
 */
export function isLogoImage(
  probabilities: ArrayLike<number>,
  noLogoIndex: number,
  threshold?: number,
): boolean {
  if (noLogoIndex < 0) return true;
  if (threshold === undefined) return argmax(probabilities) !== noLogoIndex;
  return probabilities[noLogoIndex] < threshold;
}

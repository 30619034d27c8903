import sharp from "sharp";
import type { LabeledImage, PixelBox } from "../batches";
import { probeImage } from "../images";
import { createRandom, deriveSeed, type Random } from "../random";

/** Side of a pasted logo relative to its source box: drawn in this range. */
export const COPY_PASTE_SCALE: readonly [number, number] = [0.6, 1.4];
/** Rotation of a pasted logo in degrees: drawn in ± this. */
export const COPY_PASTE_MAX_ROTATION = 15;
/** A pasted logo is shrunk to at most this share of the target image's width and height. */
export const COPY_PASTE_MAX_SHARE = 0.6;

/** One logo to paste: the source image and its box in the source's pixels, with the logo's class. */
interface Donor {
  source: LabeledImage["source"];
  box: PixelBox;
  label: number;
}

function donorsOf(items: readonly LabeledImage[], noLogoIndex: number): Donor[] {
  return items.flatMap((item) =>
    item.label === noLogoIndex
      ? []
      : (item.boxes ?? [])
          .filter((box) => box.width >= 4 && box.height >= 4)
          .map((box) => ({ source: item.source, box, label: box.label ?? item.label })),
  );
}

/** The donor's logo crop, scaled and rotated as drawn: PNG with a transparent surround. */
async function logoPatch(
  donor: Donor,
  target: { width: number; height: number },
  random: Random,
): Promise<{ patch: Buffer; width: number; height: number }> {
  const info = await probeImage(donor.source);
  const left = Math.max(0, Math.min(info.width - 1, Math.round(donor.box.x)));
  const top = Math.max(0, Math.min(info.height - 1, Math.round(donor.box.y)));
  const width = Math.max(1, Math.min(info.width - left, Math.round(donor.box.width)));
  const height = Math.max(1, Math.min(info.height - top, Math.round(donor.box.height)));
  const scale = Math.min(
    random.uniform(COPY_PASTE_SCALE[0], COPY_PASTE_SCALE[1]),
    (target.width * COPY_PASTE_MAX_SHARE) / width,
    (target.height * COPY_PASTE_MAX_SHARE) / height,
  );
  const angle = random.uniform(-COPY_PASTE_MAX_ROTATION, COPY_PASTE_MAX_ROTATION);
  const { data, info: out } = await sharp(donor.source)
    .rotate()
    .extract({ left, top, width, height })
    .resize(Math.max(2, Math.round(width * scale)), Math.max(2, Math.round(height * scale)))
    .ensureAlpha()
    .rotate(angle, { background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .png()
    .toBuffer({ resolveWithObject: true });
  return { patch: data, width: out.width, height: out.height };
}

/**
 * COPY_PASTE augmentation: each no-logo training image once more, with a logo crop of a training
 * image pasted on it (random donor box, scale in {@link COPY_PASTE_SCALE}, rotation within
 * ±{@link COPY_PASTE_MAX_ROTATION}°, random position) — a new labelled image whose box is the
 * pasted patch. Deterministic for a seed (draws per no-logo image index). Returns JPEG bytes in
 * memory; an empty list when there is nothing to paste or nothing to paste onto.
 */
export async function copyPasteItems(
  items: readonly LabeledImage[],
  noLogoIndex: number,
  seed: number,
): Promise<LabeledImage[]> {
  const donors = donorsOf(items, noLogoIndex);
  if (donors.length === 0) return [];
  const targets = items.filter((item) => item.label === noLogoIndex);
  const pasted: LabeledImage[] = [];
  for (const [index, target] of targets.entries()) {
    const random = createRandom(deriveSeed(seed, "copy-paste", index));
    const donor = donors[random.int(0, donors.length - 1)];
    const size = await probeImage(target.source);
    const { patch, width, height } = await logoPatch(donor, size, random);
    const fitWidth = Math.min(width, size.width);
    const fitHeight = Math.min(height, size.height);
    const x = random.int(0, size.width - fitWidth);
    const y = random.int(0, size.height - fitHeight);
    const jpeg = await sharp(target.source)
      .rotate()
      .composite([
        {
          input: await sharp(patch)
            .extract({ left: 0, top: 0, width: fitWidth, height: fitHeight })
            .toBuffer(),
          left: x,
          top: y,
        },
      ])
      .jpeg({ quality: 90 })
      .toBuffer();
    pasted.push({ source: jpeg, label: donor.label, boxes: [{ x, y, width: fitWidth, height: fitHeight }] });
  }
  return pasted;
}

/** A global colour change of an image: brightness and saturation factors, hue rotation. */
export interface ColourJitter {
  /** Multiplies every channel (1 = unchanged). */
  brightness: number;
  /** 0 = grey, 1 = unchanged, > 1 = more saturated. */
  saturation: number;
  /** Hue rotation in degrees. */
  hueDegrees: number;
}

/**
 * The 3×3 RGB matrix of a colour jitter (brightness × hue rotation × saturation, with the
 * luminance weights of the CSS filter effects spec), for sharp's `recomb`: a linear pass,
 * about four times cheaper than `modulate`'s round trip through LCh.
 */
export function colourJitterMatrix(jitter: ColourJitter): number[][] {
  const s = jitter.saturation;
  const saturate = [
    [0.213 + 0.787 * s, 0.715 - 0.715 * s, 0.072 - 0.072 * s],
    [0.213 - 0.213 * s, 0.715 + 0.285 * s, 0.072 - 0.072 * s],
    [0.213 - 0.213 * s, 0.715 - 0.715 * s, 0.072 + 0.928 * s],
  ];
  const a = (jitter.hueDegrees * Math.PI) / 180;
  const c = Math.cos(a);
  const n = Math.sin(a);
  const hue = [
    [0.213 + c * 0.787 - n * 0.213, 0.715 - c * 0.715 - n * 0.715, 0.072 - c * 0.072 + n * 0.928],
    [0.213 - c * 0.213 + n * 0.143, 0.715 + c * 0.285 + n * 0.14, 0.072 - c * 0.072 - n * 0.283],
    [0.213 - c * 0.213 - n * 0.787, 0.715 - c * 0.715 + n * 0.715, 0.072 + c * 0.928 + n * 0.072],
  ];
  return hue.map((row) =>
    [0, 1, 2].map((j) => jitter.brightness * row.reduce((sum, h, k) => sum + h * saturate[k][j], 0)),
  );
}

import sharp from "sharp";

async function decodeFailure(absolutePath: string, isShrunk: boolean): Promise<string | null> {
  try {
    const image = sharp(absolutePath, { failOn: "truncated" });
    await (isShrunk ? image.resize(8, 8, { fit: "fill" }) : image).raw().toBuffer();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Decodes an image file completely (shrink-on-load keeps it cheap) and returns why it cannot be
 * used, or null when it decodes. Truncated JPEGs fail here: libjpeg only notices a premature end
 * when it reads the entropy-coded data, which header-only probes never do. libvips sometimes
 * reports "Unknown error" when several decodes fail at once; a second, plain decode of the file
 * then usually names the cause.
 */
export async function findDecodeFailure(absolutePath: string): Promise<string | null> {
  const failure = await decodeFailure(absolutePath, true);
  if (failure === null || !/unknown error/i.test(failure)) return failure;
  return (await decodeFailure(absolutePath, false)) ?? failure;
}

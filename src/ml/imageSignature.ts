import { InvalidImageError } from "../errors";
import type { ImageFormat } from "./images";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((byte, i) => bytes[offset + i] === byte);
}

function ascii(text: string): number[] {
  return Array.from(text, (character) => character.charCodeAt(0));
}

/**
 * The format named by an image's leading bytes (JPEG SOI marker, PNG signature, RIFF…WEBP), or
 * `undefined` for anything else — SVG, GIF, text, empty input. Reads at most 12 bytes.
 */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "jpeg";
  if (startsWith(bytes, PNG_SIGNATURE)) return "png";
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "webp";
  return undefined;
}

/**
 * Throws `InvalidImageError` unless `bytes` start like a JPEG, PNG or WebP file — before any
 * decoder (sharp's SVG and GIF loaders included) sees them.
 */
export function assertSupportedSignature(bytes: Uint8Array): ImageFormat {
  if (bytes.length === 0) throw new InvalidImageError("the image is empty");
  const format = sniffImageFormat(bytes);
  if (format === undefined) {
    throw new InvalidImageError(`not a JPEG, PNG or WebP image (${bytes.length} bytes)`, {
      reason: "unsupported format",
    });
  }
  return format;
}

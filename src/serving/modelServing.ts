import { InvalidImageError, ValidationError } from "../errors";
import type { Registry } from "../experiments/registry";
import type { ClassificationOutput } from "../ml/classificationOutput";
import { fetchImage, type ImageFetchLimits } from "./imageUrlFetch";
import type { TokenBucketLimiter } from "./rateLimit";

/** The inference engine as serving uses it (the Classifier of ./classifier.ts). */
export interface ImageClassifier {
  classify(checkpointDir: string, image: Buffer, topK: number): Promise<ClassificationOutput>;
}

/** A busboy file stream: `truncated` once the file hit the multipart size limit. */
type UploadStream = NodeJS.ReadableStream & { truncated?: boolean };

/** An uploaded file as the multipart middleware hands it over. */
export interface UploadedFile {
  createReadStream(): UploadStream;
}

/** A `classifyImage` request: exactly one of imageBase64, image (upload) and imageUrl. */
export interface ClassifyRequest {
  imageBase64?: string | null;
  image?: Promise<UploadedFile> | null;
  imageUrl?: string | null;
  /** Alias name or run id (default `production`). */
  model?: string | null;
  topK?: number | null;
}

/** The typed outcomes of `classifyImage` (API.md's ClassifyImageResult union). */
export type ClassifyOutcome =
  | ({ kind: "classification"; modelVersion: string; latencyMs: number } & Omit<
      ClassificationOutput,
      "weightsSha256"
    >)
  | { kind: "invalidImage"; message: string }
  | { kind: "modelNotFound"; message: string };

/** Where `imageUrl` may be fetched from, if at all. */
export interface ImageUrlPolicy extends ImageFetchLimits {
  isEnabled: boolean;
}

/** What `classifyImage` admits: the per-key rate limit and the imageUrl policy. */
export interface ServingPolicy {
  rateLimit: TokenBucketLimiter;
  imageUrl: ImageUrlPolicy;
}

const DEFAULT_MODEL = "production";
const DEFAULT_TOP_K = 5;
const MAX_TOP_K = 50;

/** The requested top-k, default 5; BAD_USER_INPUT outside 1…50. */
function validatedTopK(topK: number | null | undefined): number {
  const value = topK ?? DEFAULT_TOP_K;
  if (!Number.isInteger(value) || value < 1 || value > MAX_TOP_K) {
    throw new ValidationError(`topK must be an integer between 1 and ${MAX_TOP_K}`, { field: "topK" });
  }
  return value;
}
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 (optionally a `data:` URL) to bytes; anything else is an invalid image. */
export function decodeBase64Image(text: string): Buffer {
  const payload = text.startsWith("data:") ? text.slice(text.indexOf(",") + 1) : text;
  const compact = payload.replace(/\s+/g, "");
  if (compact.length === 0) throw new InvalidImageError("the image is empty");
  if (compact.length % 4 !== 0 || !BASE64.test(compact))
    throw new InvalidImageError("imageBase64 is not valid base64");
  return Buffer.from(compact, "base64");
}

/**
 * The bytes of an upload. A file over the multipart size limit is cut there by busboy (its stream
 * ends early with `truncated` set) or, once known, refused by `createReadStream`: both are
 * BAD_USER_INPUT rather than a truncated image that would fail to decode.
 */
async function readUpload(file: UploadedFile): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let stream: UploadStream;
  try {
    stream = file.createReadStream();
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  } catch (error) {
    throw new ValidationError(`the uploaded image could not be read: ${(error as Error).message}`, {
      field: "image",
    });
  }
  if (stream.truncated) {
    throw new ValidationError("the uploaded image exceeds the upload size limit (LOGOLAB_MAX_BODY_BYTES)", {
      field: "image",
    });
  }
  const bytes = Buffer.concat(chunks);
  if (bytes.length === 0) throw new InvalidImageError("the image is empty");
  return bytes;
}

/** `classifyImage`: resolve the model, get the bytes, classify; expected failures are typed outcomes. */
export class ModelServing {
  constructor(
    private readonly registry: Registry,
    private readonly classifier: ImageClassifier,
    private readonly policy: ServingPolicy,
  ) {}

  private async imageBytes(request: ClassifyRequest): Promise<Buffer> {
    const hasBase64 = typeof request.imageBase64 === "string";
    const hasUpload = !!request.image;
    const hasUrl = typeof request.imageUrl === "string";
    if (Number(hasBase64) + Number(hasUpload) + Number(hasUrl) !== 1) {
      throw new ValidationError("give exactly one of imageBase64, image and imageUrl", {
        field: "imageBase64",
      });
    }
    if (hasBase64) return decodeBase64Image(request.imageBase64!);
    if (hasUpload) return readUpload(await request.image!);
    if (!this.policy.imageUrl.isEnabled) {
      throw new ValidationError("imageUrl is disabled on this server (LOGOLAB_IMAGE_URL_ENABLED)", {
        field: "imageUrl",
      });
    }
    return fetchImage(request.imageUrl!, this.policy.imageUrl);
  }

  /**
   * Classifies for the API key `callerKeyId`: takes a token of its rate limit first (RATE_LIMITED
   * with `retryAfterMs` when none is left), then reads the image, resolves the model and classifies.
   */
  async classify(request: ClassifyRequest, callerKeyId: string): Promise<ClassifyOutcome> {
    this.policy.rateLimit.take(callerKeyId);
    const startedMs = performance.now();
    const topK = validatedTopK(request.topK);
    let image: Buffer;
    try {
      image = await this.imageBytes(request);
    } catch (error) {
      if (error instanceof InvalidImageError) return { kind: "invalidImage", message: error.message };
      throw error;
    }
    return this.classifyBytes(image, request.model, topK, startedMs);
  }

  /**
   * Classifies encoded image bytes with `model` (alias or run id, default production) — what
   * `classify` does once it has the bytes, for the process's own callers (the CLI), which no
   * per-key rate limit applies to.
   */
  async classifyBytes(
    image: Buffer,
    model?: string | null,
    topK: number = DEFAULT_TOP_K,
    startedMs = performance.now(),
  ): Promise<ClassifyOutcome> {
    const reference = model?.trim() || DEFAULT_MODEL;
    const served = await this.registry.modelAliases.resolveForServing(reference);
    if (!served) {
      return {
        kind: "modelNotFound",
        message: `no model ${JSON.stringify(reference)}: not an alias, nor a run with a checkpoint`,
      };
    }
    try {
      const { weightsSha256, ...output } = await this.classifier.classify(
        served.checkpoint.path,
        image,
        validatedTopK(topK),
      );
      return {
        kind: "classification",
        ...output,
        modelVersion: `${served.runId}:${weightsSha256}`,
        latencyMs: performance.now() - startedMs,
      };
    } catch (error) {
      if (error instanceof InvalidImageError) return { kind: "invalidImage", message: error.message };
      throw error;
    }
  }
}

import { SingleBar } from "cli-progress";
import { ValidationError } from "../errors";
import { randomisationOf } from "../datasets/domainRandomisation";
import { generateSynthLogos32 } from "../datasets/synthLogos32";
import type { BackgroundPart, RandomisationElement } from "../vocabulary";

/** Arguments of `logolab dataset synth --out <dir> --seed <n> [--scale <k>]`. */
export interface SynthCliOptions {
  out: string;
  seed: number | string;
  scale?: number | string;
  /** Domain-randomisation elements on (default all). */
  randomisation?: readonly RandomisationElement[];
  /** Background photos to draw on (default TRAINING). */
  backgroundPart?: BackgroundPart;
  /** Where the progress bar is drawn (default stderr); pass null for none. */
  stream?: NodeJS.WriteStream | null;
}

/** What `runSynthCli` reports back. */
export interface SynthCliResult {
  dir: string;
  imageCount: number;
  elapsedMs: number;
}

/** Parses CLI values: a non-negative integer seed and a positive scale. */
export function parseSynthCliOptions(options: SynthCliOptions): { out: string; seed: number; scale: number } {
  const seed = Number(options.seed);
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new ValidationError(`--seed must be a non-negative integer, got ${JSON.stringify(options.seed)}`, {
      field: "seed",
    });
  }
  const scale = options.scale === undefined ? 1 : Number(options.scale);
  if (!Number.isFinite(scale) || scale <= 0) {
    throw new ValidationError(`--scale must be a positive number, got ${JSON.stringify(options.scale)}`, {
      field: "scale",
    });
  }
  if (options.out.trim() === "") throw new ValidationError("--out must name a directory", { field: "out" });
  return { out: options.out, seed, scale };
}

/**
 * `logolab dataset synth`: writes SynthLogos-32 to `out` with a progress bar; needs no database.
 * Throws ValidationError for bad arguments and ConflictError when `out` is a non-empty folder.
 */
export async function runSynthCli(options: SynthCliOptions): Promise<SynthCliResult> {
  const { out, seed, scale } = parseSynthCliOptions(options);
  const stream = options.stream === undefined ? process.stderr : options.stream;
  const bar =
    stream === null
      ? null
      : new SingleBar({
          stream,
          format: "SynthLogos-32 [{bar}] {value}/{total} images | {percentage}% | ETA {eta}s",
          hideCursor: true,
        });
  const startedMs = Date.now();
  let isStarted = false;
  try {
    const { dir, manifest } = await generateSynthLogos32({
      out,
      seed,
      scale,
      randomisation: options.randomisation && randomisationOf(options.randomisation),
      backgroundPart: options.backgroundPart,
      onProgress: ({ done, total }) => {
        if (bar === null) return;
        if (!isStarted) {
          bar.start(total, 0);
          isStarted = true;
        }
        bar.update(done);
      },
    });
    return { dir, imageCount: manifest.images.length, elapsedMs: Date.now() - startedMs };
  } finally {
    bar?.stop();
  }
}

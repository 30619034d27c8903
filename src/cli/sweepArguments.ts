import { InvalidArgumentError } from "commander";
import type { SweepSpaceInput } from "../jobs/sweepLauncher";
import { SWEEP_DIMENSIONS } from "../experiments/sweeps";
import { RANGE_SCALES, type RangeScale } from "../vocabulary";

/**
 * `logolab sweep start`'s space from the command line: `--space <json>` (or `@file.json`) and/or
 * repeated `--vary name=v1,v2` and `--range name=min:max[:log]`. Pure: values are parsed, files are
 * read by the caller.
 */

const RANGED = ["learningRate", "weightDecay", "effectiveNumberBeta"] as const;

/** A value as typed: JSON (numbers, booleans, quoted strings) or else the bare text. */
function valueOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * One `--vary name=v1,v2,…`: the dimension's values. Augmentation sets join their items with `+`
 * (`HORIZONTAL_FLIP+RANDOM_CROP`); `none` is the empty set.
 */
export function parseVary(argument: string): [string, unknown[]] {
  const match = /^([A-Za-z]+)=(.+)$/.exec(argument);
  if (!match) throw new InvalidArgumentError(`expected name=value,value,… (got ${JSON.stringify(argument)})`);
  const [, name, list] = match;
  if (!(SWEEP_DIMENSIONS as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(
      `${name} is not a hyperparameter a sweep varies (${SWEEP_DIMENSIONS.join(", ")})`,
    );
  }
  const items = list.split(",").map((item) => item.trim());
  if (name === "augmentations") {
    return [
      name,
      items.map((item) => (item.toLowerCase() === "none" ? [] : item.split("+").map((a) => a.trim()))),
    ];
  }
  return [name, items.map(valueOf)];
}

/** One `--range name=min:max[:linear|log]`. */
export function parseRange(argument: string): [string, { min: number; max: number; scale: RangeScale }] {
  const match = /^([A-Za-z]+)=([^:]+):([^:]+)(?::([A-Za-z]+))?$/.exec(argument);
  if (!match)
    throw new InvalidArgumentError(`expected name=min:max[:linear|log] (got ${JSON.stringify(argument)})`);
  const [, name, min, max, scale = "linear"] = match;
  if (!(RANGED as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(`only ${RANGED.join(", ")} take a range (got ${name})`);
  }
  const upper = scale.toUpperCase();
  if (!(RANGE_SCALES as readonly string[]).includes(upper))
    throw new InvalidArgumentError(`scale must be linear or log`);
  const [low, high] = [Number(min), Number(max)];
  if (!Number.isFinite(low) || !Number.isFinite(high))
    throw new InvalidArgumentError(`range bounds must be numbers`);
  return [name, { min: low, max: high, scale: upper as RangeScale }];
}

/** The space from `--space` JSON text (if any), then each `--vary` and `--range` on top. */
export function spaceFromArguments(
  spaceJson: string | undefined,
  vary: string[],
  ranges: string[],
): SweepSpaceInput {
  let space: Record<string, unknown> = {};
  if (spaceJson !== undefined) {
    try {
      space = JSON.parse(spaceJson) as Record<string, unknown>;
    } catch (error) {
      throw new InvalidArgumentError(`--space is not JSON: ${(error as Error).message}`);
    }
    if (typeof space !== "object" || space === null || Array.isArray(space)) {
      throw new InvalidArgumentError("--space must be a JSON object of hyperparameter → values");
    }
  }
  for (const [name, values] of vary.map(parseVary)) space[name] = values;
  for (const [name, range] of ranges.map(parseRange)) space[`${name}Range`] = range;
  return space as SweepSpaceInput;
}

/** A short text of what a run of the sweep varies, e.g. `learningRate=0.01 lossWeighting=NONE`. */
export function pointLabel(hyperparameters: Record<string, unknown>, varied: readonly string[]): string {
  return varied
    .map((name) => {
      const value = hyperparameters[name];
      const text =
        typeof value === "number"
          ? String(Number(value.toPrecision(4)))
          : Array.isArray(value)
            ? value.join("+") || "none"
            : String(value);
      return `${name}=${text}`;
    })
    .join(" ");
}

import { ValidationError } from "../errors";
import {
  SWEEP_DIMENSIONS,
  type SweepDimension,
  type SweepRange,
  type SweepSpace,
} from "../experiments/sweeps";
import type { Hyperparameters } from "../ml/hyperparameters";
import { createRandom } from "../ml/random";
import type { SweepStrategy } from "../vocabulary";

/**
 * The points of a hyperparameter space. GRID: every combination of the listed values, the last
 * dimension varying fastest (in the order of `SWEEP_DIMENSIONS`). RANDOM: `maxRuns` distinct
 * points, each dimension drawn uniformly from its list or from its range (linear or log-uniform),
 * reproducibly from `seed` (fewer when a finite space has fewer points). Pure.
 */

/** Most runs one sweep queues. */
export const MAX_SWEEP_RUNS = 1000;

/** Draws a RANDOM sweep makes per wanted point before deciding the space has no more distinct ones. */
const DRAWS_PER_POINT = 50;

type Point = Partial<Hyperparameters>;

function fail(field: string, message: string): never {
  throw new ValidationError(`${field} ${message}`, { field });
}

function checkSpace(space: SweepSpace, strategy: SweepStrategy): void {
  const listed = Object.entries(space.values).filter(([, values]) => values !== undefined && values !== null);
  const ranged = Object.entries(space.ranges).filter(([, range]) => range !== undefined && range !== null);
  if (listed.length + ranged.length === 0) fail("space", "must vary at least one hyperparameter");
  for (const [name, values] of listed) {
    if (!Array.isArray(values) || values.length === 0) fail(`space.${name}`, "must list at least one value");
  }
  for (const [name, range] of ranged as [string, SweepRange][]) {
    if (strategy === "GRID") fail(`space.${name}Range`, "needs strategy RANDOM (a grid lists values)");
    if (name in space.values && space.values[name as SweepDimension]) {
      fail(`space.${name}Range`, `and space.${name} cannot both be given`);
    }
    if (!(Number.isFinite(range.min) && Number.isFinite(range.max) && range.min <= range.max)) {
      fail(`space.${name}Range`, `needs finite bounds with min ≤ max, got [${range.min}, ${range.max}]`);
    }
    if (range.scale === "LOG" && !(range.min > 0)) fail(`space.${name}Range`, "needs min > 0 on a LOG scale");
  }
}

/** The number of points of a grid over `space`'s lists. */
export function gridSize(space: SweepSpace): number {
  return SWEEP_DIMENSIONS.reduce((size, name) => size * (space.values[name]?.length ?? 1), 1);
}

/** Every combination of the listed values. */
export function gridPoints(space: SweepSpace): Point[] {
  let points: Point[] = [{}];
  for (const name of SWEEP_DIMENSIONS) {
    const values = space.values[name];
    if (!values) continue;
    points = points.flatMap((point) => values.map((value) => ({ ...point, [name]: value })));
  }
  return points;
}

function drawFromRange(range: SweepRange, random: () => number): number {
  if (range.scale === "LOG") {
    return Math.exp(Math.log(range.min) + random() * (Math.log(range.max) - Math.log(range.min)));
  }
  return range.min + random() * (range.max - range.min);
}

/** Up to `count` distinct points drawn from `space` with `seed`. */
export function randomPoints(space: SweepSpace, count: number, seed: number): Point[] {
  const random = createRandom(seed);
  const points = new Map<string, Point>();
  for (let draw = 0; draw < count * DRAWS_PER_POINT && points.size < count; draw++) {
    const point: Point = {};
    for (const name of SWEEP_DIMENSIONS) {
      const values = space.values[name];
      const range = space.ranges[name as keyof SweepSpace["ranges"]];
      if (values) Object.assign(point, { [name]: values[random.int(0, values.length - 1)] });
      else if (range) Object.assign(point, { [name]: drawFromRange(range, random.next) });
    }
    points.set(JSON.stringify(point), point);
  }
  return [...points.values()];
}

/** The points a sweep queues (checked first: every error names the field of the space at fault). */
export function sweepPoints(
  space: SweepSpace,
  strategy: SweepStrategy,
  maxRuns: number | null,
  seed: number,
): Point[] {
  checkSpace(space, strategy);
  if (maxRuns !== null && !(Number.isInteger(maxRuns) && maxRuns >= 1 && maxRuns <= MAX_SWEEP_RUNS)) {
    fail("maxRuns", `must be an integer between 1 and ${MAX_SWEEP_RUNS}, got ${maxRuns}`);
  }
  if (strategy === "RANDOM") {
    if (maxRuns === null) fail("maxRuns", "is required for a RANDOM sweep");
    return randomPoints(space, maxRuns, seed);
  }
  const size = gridSize(space);
  const limit = maxRuns ?? MAX_SWEEP_RUNS;
  if (size > limit)
    fail(maxRuns === null ? "space" : "maxRuns", `allows ${limit} runs but the grid has ${size} points`);
  return gridPoints(space);
}

/**
 * Settings an architecture requires, applied where neither the sweep's fixed hyperparameters nor
 * its space set them: a grid over architectures then needs no per-architecture exceptions.
 */
const ARCHITECTURE_REQUIREMENTS: Partial<Record<Hyperparameters["architecture"], Point>> = {
  // Its backbone is nsfwjs's pretrained MobileNetV2, frozen (features cached): only the head trains.
  MOBILENET_V2: { pretrained: true, trainableLayers: "HEAD" },
};

/** The run's hyperparameters before defaults: fixed ones, the point's, then the architecture's needs. */
export function pointHyperparameters(base: Point, point: Point, space: SweepSpace): Point {
  const merged: Point = { ...base, ...point };
  const requirements = merged.architecture ? (ARCHITECTURE_REQUIREMENTS[merged.architecture] ?? {}) : {};
  for (const [name, value] of Object.entries(requirements) as [keyof Point, unknown][]) {
    const isChosen = base[name] !== undefined || space.values[name as SweepDimension] !== undefined;
    if (!isChosen) Object.assign(merged, { [name]: value });
  }
  return merged;
}

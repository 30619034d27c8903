import { ConflictError, NotFoundError, ValidationError } from "../errors";
import type { Registry } from "../experiments/registry";
import {
  sweepStatusOf,
  type RangedDimension,
  type Sweep,
  type SweepDimension,
  type SweepRange,
  type SweepSpace,
} from "../experiments/sweeps";
import type { Hyperparameters } from "../ml/hyperparameters";
import type { SweepStrategy } from "../vocabulary";
import type { RunHyperparametersInput, RunLauncher } from "./runLauncher";
import { SWEEP_DIMENSIONS } from "../experiments/sweeps";
import { pointHyperparameters, sweepPoints } from "./sweepSpace";

/** A space as a client sends it: lists per dimension and `<name>Range`s, nulls meaning "not varied". */
export type SweepSpaceInput = { [K in SweepDimension]?: Hyperparameters[K][] | null } & {
  [K in RangedDimension as `${K}Range`]?: SweepRangeInput | null;
};

/** A range as a client sends it (scale defaults to LINEAR). */
export type SweepRangeInput = Omit<SweepRange, "scale"> & { scale?: SweepRange["scale"] | null };

/** What `startSweep` accepts. */
export interface StartSweepRequest {
  experimentId: string;
  space: SweepSpaceInput;
  strategy: SweepStrategy;
  /** GRID: at most this many points (default: the whole grid, up to 1,000); RANDOM: how many to draw. */
  maxRuns?: number | null;
  /** Seed of RANDOM's draws (default 0). */
  seed?: number | null;
  /** Hyperparameters every run shares (omitted ones take the article's defaults). */
  hyperparameters?: RunHyperparametersInput | null;
}

const RANGED: readonly RangedDimension[] = ["learningRate", "weightDecay", "effectiveNumberBeta"];

/** The space without the client's nulls. */
export function spaceOf(input: SweepSpaceInput): SweepSpace {
  const space: SweepSpace = { values: {}, ranges: {} };
  for (const name of SWEEP_DIMENSIONS) {
    const values = input[name];
    if (values !== null && values !== undefined) Object.assign(space.values, { [name]: [...values] });
  }
  for (const name of RANGED) {
    const range = input[`${name}Range`];
    if (range) space.ranges[name] = { min: range.min, max: range.max, scale: range.scale ?? "LINEAR" };
  }
  return space;
}

function withoutNulls<T extends object>(value: T | null | undefined): Partial<T> {
  return Object.fromEntries(
    Object.entries(value ?? {}).filter(([, v]) => v !== null && v !== undefined),
  ) as Partial<T>;
}

/** The point's values in a few words, for error messages. */
function describePoint(point: Partial<Hyperparameters>): string {
  return Object.entries(point)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(", ");
}

/**
 * Sweeps: every point of the space is validated first (nothing is written when one is invalid),
 * then the sweep and its QUEUED runs are written in one transaction and enqueued in order through
 * the same path as `startRun`. Cancelling a sweep cancels its queued runs at once and asks its
 * running ones to stop.
 */
export class SweepLauncher {
  constructor(
    private readonly registry: Registry,
    private readonly runs: RunLauncher,
  ) {}

  async start(request: StartSweepRequest): Promise<Sweep> {
    const space = spaceOf(request.space);
    const seed = request.seed ?? 0;
    if (!(Number.isInteger(seed) && seed >= 0 && seed <= 2 ** 31 - 1)) {
      throw new ValidationError(`seed must be an integer between 0 and ${2 ** 31 - 1}, got ${seed}`, {
        field: "seed",
      });
    }
    const { experimentId, complete } = await this.runs.validator(request.experimentId);
    const base = withoutNulls(request.hyperparameters) as Partial<Hyperparameters>;
    const points = sweepPoints(space, request.strategy, request.maxRuns ?? null, seed);
    const hyperparameters = points.map((point, i) => {
      const merged = pointHyperparameters(base, point, space);
      try {
        return complete(merged);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        throw new ValidationError(`space point ${i + 1} (${describePoint(point)}): ${error.message}`, {
          ...error.details,
          point: i + 1,
        });
      }
    });
    const { sweep, runs } = await this.registry.sweeps.createWithRuns(
      {
        experimentId,
        strategy: request.strategy,
        space,
        baseHyperparameters: base,
        maxRuns: request.maxRuns ?? points.length,
        seed,
      },
      hyperparameters,
    );
    for (const run of runs) await this.runs.enqueue(run);
    return sweep;
  }

  /**
   * Cancels the sweep: its queued runs at once, its running ones after their current batch. A sweep
   * already cancelled is returned as it is; one whose runs have all ended is BAD_USER_INPUT.
   */
  async cancel(id: string): Promise<Sweep> {
    const current = await this.registry.sweeps.get(id);
    if (!current) throw new NotFoundError("Sweep", id);
    const [counts] = await this.registry.sweeps.runStatusCounts([current.id]);
    if (!current.cancelledAt && counts.QUEUED + counts.RUNNING === 0) {
      const status = sweepStatusOf(current, counts);
      throw new ConflictError(
        `sweep ${id} has finished (${status}); only a sweep with queued or running runs can be cancelled`,
        { field: "id", status },
      );
    }
    const sweep = await this.registry.sweeps.markCancelled(current.id);
    for (const runId of await this.registry.sweeps.activeRunIds(sweep.id)) {
      try {
        await this.runs.cancel(runId);
      } catch (error) {
        // It ended between the listing and the cancel: nothing left to stop.
        if (!(error instanceof ConflictError || error instanceof NotFoundError)) throw error;
      }
    }
    return sweep;
  }
}

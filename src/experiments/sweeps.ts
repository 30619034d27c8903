import type { PrismaClient } from "../db/prismaClient";
import type { Sweep as SweepRow } from "../generated/prisma/client";
import { NotFoundError } from "../errors";
import type { Hyperparameters } from "../ml/hyperparameters";
import type { RangeScale, RunStatus, SweepStatus, SweepStrategy } from "../vocabulary";
import { isId, orderedIds } from "./ids";
import { afterTimestamp } from "./keyset";
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from "./pagination";
import { queuedRunData } from "./runLifecycle";
import { asJson, runOf, type Run } from "./runRecords";

/** Hyperparameters a sweep can vary: every one but the per-class weights. */
export type SweepDimension = Exclude<keyof Hyperparameters, "classWeights">;

/** Every dimension a space may vary, in the order grids are expanded and sweeps list them. */
export const SWEEP_DIMENSIONS: readonly SweepDimension[] = [
  "architecture",
  "pretrained",
  "trainableLayers",
  "imageSize",
  "batchSize",
  "epochs",
  "optimizer",
  "learningRate",
  "weightDecay",
  "augmentations",
  "lossWeighting",
  "effectiveNumberBeta",
  "seed",
];

/** Bounds a random sweep draws a number between. */
export interface SweepRange {
  min: number;
  max: number;
  scale: RangeScale;
}

/** The hyperparameters that may be drawn from a range. */
export type RangedDimension = "learningRate" | "weightDecay" | "effectiveNumberBeta";

/** A hyperparameter space: lists of values per dimension, and (RANDOM only) ranges. */
export interface SweepSpace {
  values: { [K in SweepDimension]?: Hyperparameters[K][] };
  ranges: { [K in RangedDimension]?: SweepRange };
}

/** A sweep, its JSON columns typed. */
export interface Sweep extends Omit<SweepRow, "space" | "baseHyperparameters" | "strategy"> {
  strategy: SweepStrategy;
  space: SweepSpace;
  /** What every run shares before the space's values apply, as submitted. */
  baseHyperparameters: Partial<Hyperparameters>;
}

/** What starting a sweep records. */
export interface NewSweep {
  experimentId: string;
  strategy: SweepStrategy;
  space: SweepSpace;
  baseHyperparameters: Partial<Hyperparameters>;
  maxRuns: number;
  seed: number;
}

/** How many of a sweep's runs are in each status. */
export type RunStatusCounts = Record<RunStatus, number> & { total: number };

/** Narrows `sweeps(filter:)`. */
export interface SweepFilter {
  experimentId?: string | null;
}

const ORDERING = "sweeps:createdAt:desc";

function sweepOf(row: SweepRow): Sweep {
  return {
    ...row,
    strategy: row.strategy,
    space: row.space as unknown as SweepSpace,
    baseHyperparameters: row.baseHyperparameters as unknown as Partial<Hyperparameters>,
  };
}

function sweepWhere(filter: SweepFilter): { experimentId?: string; id?: { in: string[] } } {
  // A malformed experiment id matches nothing rather than failing the whole list.
  if (filter.experimentId && !isId(filter.experimentId)) return { id: { in: [] } };
  return { experimentId: filter.experimentId ?? undefined };
}

function emptyCounts(): RunStatusCounts {
  return { QUEUED: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CANCELLED: 0, total: 0 };
}

/**
 * A sweep's status from its runs: CANCELLED once cancelled; RUNNING while a run is queued or
 * running; then SUCCEEDED when a run succeeded, else FAILED.
 */
export function sweepStatusOf(sweep: Pick<Sweep, "cancelledAt">, counts: RunStatusCounts): SweepStatus {
  if (sweep.cancelledAt) return "CANCELLED";
  if (counts.QUEUED + counts.RUNNING > 0) return "RUNNING";
  return counts.SUCCEEDED > 0 ? "SUCCEEDED" : "FAILED";
}

/** One varied hyperparameter of a sweep, as the API shows it. */
export interface SweepDimensionView {
  name: string;
  /** JSON text of each listed value (empty for a range). */
  values: string[];
  min: number | null;
  max: number | null;
  scale: RangeScale | null;
}

/** What a sweep varies, in `SWEEP_DIMENSIONS` order (JSONB does not keep the submitted key order). */
export function sweepDimensionsOf(sweep: Pick<Sweep, "space">): SweepDimensionView[] {
  return SWEEP_DIMENSIONS.flatMap((name): SweepDimensionView[] => {
    const values = sweep.space.values[name];
    if (values)
      return [{ name, values: values.map((v) => JSON.stringify(v)), min: null, max: null, scale: null }];
    const range = sweep.space.ranges[name as RangedDimension];
    return range ? [{ name, values: [], min: range.min, max: range.max, scale: range.scale }] : [];
  });
}

/** Sweeps: runs queued together over a hyperparameter space. */
export class SweepService {
  constructor(private readonly prisma: PrismaClient) {}

  /** Writes the sweep and its QUEUED runs (in `points` order) in one transaction. */
  async createWithRuns(input: NewSweep, points: Hyperparameters[]): Promise<{ sweep: Sweep; runs: Run[] }> {
    return this.prisma.$transaction(async (tx) => {
      const sweep = await tx.sweep.create({
        data: {
          ...input,
          space: asJson(input.space),
          baseHyperparameters: asJson(input.baseHyperparameters),
        },
      });
      // Ids that sort like the points, so "oldest first" lists the runs in the sweep's order.
      const ids = orderedIds(points.length);
      const runs = await tx.run.createManyAndReturn({
        data: points.map((h, i) => ({ ...queuedRunData(input.experimentId, h, sweep.id), id: ids[i] })),
      });
      const byId = new Map(runs.map((r) => [r.id, runOf(r)]));
      return { sweep: sweepOf(sweep), runs: ids.map((id) => byId.get(id)!) };
    });
  }

  /** The sweep with this id, or null. */
  async get(id: string): Promise<Sweep | null> {
    if (!isId(id)) return null;
    const row = await this.prisma.sweep.findUnique({ where: { id } });
    return row && sweepOf(row);
  }

  /** Sweeps by id, in the order asked, null where missing (for dataloaders). */
  async getMany(ids: readonly string[]): Promise<(Sweep | null)[]> {
    const rows = await this.prisma.sweep.findMany({ where: { id: { in: ids.filter(isId) } } });
    const byId = new Map(rows.map((r) => [r.id, sweepOf(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Newest first, keyset-paginated. */
  async list(request: PageRequest, filter: SweepFilter = {}): Promise<Page<Sweep>> {
    const limit = pageSize(request.first);
    const after = request.after
      ? afterTimestamp("createdAt", "desc", decodeCursor(ORDERING, request.after))
      : {};
    const rows = await this.prisma.sweep.findMany({
      where: { AND: [sweepWhere(filter), after] },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: limit + 1,
    });
    return toPage(
      rows.map(sweepOf),
      limit,
      ORDERING,
      (s) => ({ value: s.createdAt.toISOString(), id: s.id }),
      !!request.after,
    );
  }

  /** How many sweeps match the filter. */
  async count(filter: SweepFilter = {}): Promise<number> {
    return this.prisma.sweep.count({ where: sweepWhere(filter) });
  }

  /** How many runs of each sweep are in each status (one statement, for dataloaders). */
  async runStatusCounts(sweepIds: readonly string[]): Promise<RunStatusCounts[]> {
    const groups = await this.prisma.run.groupBy({
      by: ["sweepId", "status"],
      where: { sweepId: { in: sweepIds.filter(isId) } },
      _count: { _all: true },
    });
    const bySweep = new Map<string, RunStatusCounts>();
    for (const group of groups) {
      const counts = bySweep.get(group.sweepId!) ?? emptyCounts();
      counts[group.status] += group._count._all;
      counts.total += group._count._all;
      bySweep.set(group.sweepId!, counts);
    }
    return sweepIds.map((id) => bySweep.get(id) ?? emptyCounts());
  }

  /** Marks a sweep cancelled (keeping the first cancellation's time); returns it. */
  async markCancelled(id: string): Promise<Sweep> {
    if (!isId(id)) throw new NotFoundError("Sweep", id);
    await this.prisma.sweep.updateMany({
      where: { id, cancelledAt: null },
      data: { cancelledAt: new Date() },
    });
    const row = await this.prisma.sweep.findUnique({ where: { id } });
    if (!row) throw new NotFoundError("Sweep", id);
    return sweepOf(row);
  }

  /** Ids of the sweep's runs that are still queued or running. */
  async activeRunIds(id: string): Promise<string[]> {
    const rows = await this.prisma.run.findMany({
      where: { sweepId: id, status: { in: ["QUEUED", "RUNNING"] } },
      select: { id: true },
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    });
    return rows.map((r) => r.id);
  }
}

import type { PrismaClient } from "../db/prismaClient";
import type { Prisma } from "../generated/prisma/client";
import { NotFoundError, ValidationError } from "../errors";
import type { Architecture } from "../ml/hyperparameters";
import type { RunOrder, RunStatus } from "../vocabulary";
import { isId } from "./ids";
import { afterNullableNumberDesc, afterTimestamp, type KeysetWhere } from "./keyset";
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from "./pagination";

import {
  checkpointOf,
  epochMetricOf,
  runOf,
  type Checkpoint,
  type EpochMetric,
  type Run,
} from "./runRecords";

export type { Run, EpochMetric, Checkpoint };

/** Narrows `runs(filter:)`. */
export interface RunFilter {
  experimentId?: string | null;
  statuses?: RunStatus[] | null;
  architecture?: Architecture | null;
  pretrained?: boolean | null;
}

/** Largest number of runs `compareRuns` accepts. */
export const MAX_COMPARED_RUNS = 20;

function runWhere(filter: RunFilter): Prisma.RunWhereInput {
  if (filter.experimentId && !isId(filter.experimentId)) return { id: { in: [] } };
  return {
    experimentId: filter.experimentId ?? undefined,
    status: filter.statuses?.length ? { in: filter.statuses } : undefined,
    architecture: filter.architecture ?? undefined,
    pretrained: filter.pretrained ?? undefined,
  };
}

interface OrderingSpec {
  orderBy: Prisma.RunOrderByWithRelationInput[];
  after(position: ReturnType<typeof decodeCursor>): KeysetWhere;
  valueOf(run: Run): string | number | null;
}

const ORDERINGS: Record<RunOrder, OrderingSpec> = {
  CREATED_AT_DESC: {
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    after: (p) => afterTimestamp("createdAt", "desc", p),
    valueOf: (r) => r.createdAt.toISOString(),
  },
  CREATED_AT_ASC: {
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    after: (p) => afterTimestamp("createdAt", "asc", p),
    valueOf: (r) => r.createdAt.toISOString(),
  },
  BEST_VAL_MACRO_F1_DESC: {
    orderBy: [{ bestValMacroF1: { sort: "desc", nulls: "last" } }, { id: "desc" }],
    after: (p) => afterNullableNumberDesc("bestValMacroF1", p),
    valueOf: (r) => r.bestValMacroF1,
  },
};

/** Runs, their per-epoch metrics and checkpoints. */
export class RunService {
  constructor(private readonly prisma: PrismaClient) {}

  /** The run with this id, or null. */
  async get(id: string): Promise<Run | null> {
    if (!isId(id)) return null;
    const row = await this.prisma.run.findUnique({ where: { id } });
    return row && runOf(row);
  }

  /** Runs by id, in the order asked, null where missing (for dataloaders). */
  async getMany(ids: readonly string[]): Promise<(Run | null)[]> {
    const rows = await this.prisma.run.findMany({ where: { id: { in: ids.filter(isId) } } });
    const byId = new Map(rows.map((r) => [r.id, runOf(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Keyset-paginated runs in the requested order. */
  async list(
    request: PageRequest,
    filter: RunFilter = {},
    order: RunOrder = "CREATED_AT_DESC",
  ): Promise<Page<Run>> {
    const limit = pageSize(request.first);
    const spec = ORDERINGS[order];
    const ordering = `runs:${order}`;
    const after = request.after ? spec.after(decodeCursor(ordering, request.after)) : {};
    const rows = await this.prisma.run.findMany({
      where: { AND: [runWhere(filter), after] },
      orderBy: spec.orderBy,
      take: limit + 1,
    });
    return toPage(
      rows.map(runOf),
      limit,
      ordering,
      (r) => ({ value: spec.valueOf(r), id: r.id }),
      !!request.after,
    );
  }

  /** How many runs match the filter (for `totalCount`). */
  async count(filter: RunFilter = {}): Promise<number> {
    return this.prisma.run.count({ where: runWhere(filter) });
  }

  /** Epoch metrics of each run, ascending by epoch (for dataloaders). */
  async epochsOfRuns(runIds: readonly string[]): Promise<EpochMetric[][]> {
    const rows = await this.prisma.epochMetric.findMany({
      where: { runId: { in: runIds.filter(isId) } },
      orderBy: [{ runId: "asc" }, { epoch: "asc" }],
    });
    const byRun = new Map<string, EpochMetric[]>();
    for (const row of rows) byRun.set(row.runId, [...(byRun.get(row.runId) ?? []), epochMetricOf(row)]);
    return runIds.map((id) => byRun.get(id) ?? []);
  }

  /** The metrics of one epoch of a run, or null. */
  async epochAt(runId: string, epoch: number): Promise<EpochMetric | null> {
    const row = await this.prisma.epochMetric.findUnique({ where: { runId_epoch: { runId, epoch } } });
    return row && epochMetricOf(row);
  }

  /** The checkpoint of `runId` saved at `epoch`, or null. */
  async checkpointAt(runId: string, epoch: number): Promise<Checkpoint | null> {
    const row = await this.prisma.checkpoint.findUnique({ where: { runId_epoch: { runId, epoch } } });
    return row && checkpointOf(row);
  }

  /** Checkpoints by id, in the order asked, null where missing (for dataloaders). */
  async checkpointsByIds(ids: readonly string[]): Promise<(Checkpoint | null)[]> {
    const rows = await this.prisma.checkpoint.findMany({ where: { id: { in: ids.filter(isId) } } });
    const byId = new Map(rows.map((r) => [r.id, checkpointOf(r)]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** The runs with these ids, in the order given; every id must exist. */
  async getForComparison(ids: readonly string[]): Promise<Run[]> {
    const unique = [...new Set(ids)];
    if (unique.length < 1 || unique.length > MAX_COMPARED_RUNS) {
      throw new ValidationError(`ids must name 1–${MAX_COMPARED_RUNS} distinct runs`, { field: "ids" });
    }
    const runs = await this.getMany(unique);
    const missing = unique.find((_, i) => runs[i] === null);
    if (missing !== undefined) throw new NotFoundError("Run", missing);
    return runs as Run[];
  }
}

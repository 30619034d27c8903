import type { PrismaClient } from "../db/prismaClient";
import type { Dataset, DatasetFormat, DatasetStatus, Prisma } from "../generated/prisma/client";
import { PREPARING_STATUSES } from "../vocabulary";
import { isId } from "./ids";
import { afterTimestamp } from "./keyset";
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from "./pagination";

export type { Dataset, DatasetFormat, DatasetStatus };

/** Image counts per split. */
export interface SplitCounts {
  train: number;
  val: number;
  test: number;
}

/** What registering a dataset records. */
export interface RegisterDatasetInput {
  name: string;
  format: DatasetFormat;
  status: DatasetStatus;
  rootPath: string;
  splitRecipe?: string | null;
  contentHash?: string | null;
  classes?: string[];
  splitCounts?: SplitCounts;
  manifest?: Prisma.InputJsonValue;
  /** Share of the preparation done (0–1) for a dataset registered while it is being prepared. */
  progress?: number | null;
}

/** The generator settings that, with name and split recipe, identify a synthetic dataset. */
export interface SyntheticParameters {
  seed: number;
  scale: number;
}

/** What an import or generation found the content to be. */
export interface DatasetContent {
  contentHash: string;
  classes: string[];
  splitCounts: SplitCounts;
  /** Summary for the registry (sources, licences, class counts); the full file list stays on disk. */
  manifest: Prisma.InputJsonValue;
}

const ORDERING = "datasets:createdAt:desc";

/** The registry of datasets: what exists, in which version and state. */
export class DatasetRegistry {
  constructor(private readonly prisma: PrismaClient) {}

  /** Records a dataset as the next version of its name. */
  async register(input: RegisterDatasetInput): Promise<Dataset> {
    return this.prisma.$transaction(async (tx) => {
      const latest = await tx.dataset.findFirst({
        where: { name: input.name },
        orderBy: { version: "desc" },
      });
      return tx.dataset.create({
        data: {
          ...input,
          classes: input.classes ?? [],
          splitCounts: (input.splitCounts ?? {
            train: 0,
            val: 0,
            test: 0,
          }) as unknown as Prisma.InputJsonValue,
          version: (latest?.version ?? 0) + 1,
        },
      });
    });
  }

  /** A READY dataset with exactly this content, format and split recipe (re-imports find it). */
  async findReadyByContent(
    contentHash: string,
    format: DatasetFormat,
    splitRecipe: string | null,
  ): Promise<Dataset | null> {
    return this.prisma.dataset.findFirst({
      where: { contentHash, format, splitRecipe, status: "READY" },
      orderBy: { version: "asc" },
    });
  }

  /** The newest dataset of this name, or null. */
  async latestNamed(name: string): Promise<Dataset | null> {
    return this.prisma.dataset.findFirst({ where: { name }, orderBy: { version: "desc" } });
  }

  /** Records preparation progress (0–1); also shows the preparing process is alive (updatedAt). */
  async reportProgress(id: string, progress: number): Promise<void> {
    await this.prisma.dataset.update({ where: { id }, data: { progress } });
  }

  /** Marks a prepared dataset usable, in its final directory, with what its content turned out to be. */
  async markReady(id: string, rootPath: string, content: DatasetContent): Promise<Dataset> {
    return this.prisma.dataset.update({
      where: { id },
      data: {
        rootPath,
        status: "READY",
        progress: null,
        error: null,
        contentHash: content.contentHash,
        classes: content.classes,
        splitCounts: content.splitCounts as unknown as Prisma.InputJsonValue,
        manifest: content.manifest,
      },
    });
  }

  /**
   * The newest SYNTHETIC dataset of this name and split recipe generated with exactly these
   * parameters (stored as `manifest.generator`) and in one of `statuses`, or null.
   */
  async findSynthetic(
    name: string,
    splitRecipe: string,
    parameters: SyntheticParameters,
    statuses: readonly DatasetStatus[],
  ): Promise<Dataset | null> {
    return this.prisma.dataset.findFirst({
      where: {
        name,
        splitRecipe,
        format: "SYNTHETIC",
        status: { in: [...statuses] },
        AND: [
          { manifest: { path: ["generator", "seed"], equals: parameters.seed } },
          { manifest: { path: ["generator", "scale"], equals: parameters.scale } },
        ],
      },
      orderBy: { version: "desc" },
    });
  }

  /** How many datasets are in one of `statuses`. */
  async countWithStatus(statuses: readonly DatasetStatus[]): Promise<number> {
    return this.prisma.dataset.count({ where: { status: { in: [...statuses] } } });
  }

  /** Marks a preparation failed with its reason. */
  async markFailed(id: string, error: string): Promise<Dataset> {
    return this.prisma.dataset.update({ where: { id }, data: { status: "FAILED", progress: null, error } });
  }

  /** Marks a dataset FAILED only while it is still being prepared; says whether it was. */
  async failPreparation(id: string, error: string): Promise<boolean> {
    const { count } = await this.prisma.dataset.updateMany({
      where: { id, status: { in: [...PREPARING_STATUSES] } },
      data: { status: "FAILED", progress: null, error },
    });
    return count === 1;
  }

  /**
   * Fails preparations whose process stopped reporting (updatedAt older than `staleBefore`), so a
   * crash never leaves a dataset GENERATING forever. Returns how many were failed.
   */
  async failAbandonedPreparations(staleBefore: Date): Promise<number> {
    const { count } = await this.prisma.dataset.updateMany({
      where: { status: { in: ["GENERATING", "IMPORTING"] }, updatedAt: { lt: staleBefore } },
      data: { status: "FAILED", progress: null, error: "interrupted: the process preparing it stopped" },
    });
    return count;
  }

  /** The dataset with this id, or null. */
  async get(id: string): Promise<Dataset | null> {
    if (!isId(id)) return null;
    return this.prisma.dataset.findUnique({ where: { id } });
  }

  /** Datasets by id, in the order asked, null where missing (for dataloaders). */
  async getMany(ids: readonly string[]): Promise<(Dataset | null)[]> {
    const rows = await this.prisma.dataset.findMany({ where: { id: { in: ids.filter(isId) } } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Newest first, keyset-paginated. */
  async list(request: PageRequest): Promise<Page<Dataset>> {
    const limit = pageSize(request.first);
    const rows = await this.prisma.dataset.findMany({
      where: request.after ? afterTimestamp("createdAt", "desc", decodeCursor(ORDERING, request.after)) : {},
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: limit + 1,
    });
    return toPage(
      rows,
      limit,
      ORDERING,
      (r) => ({ value: r.createdAt.toISOString(), id: r.id }),
      !!request.after,
    );
  }

  /** How many datasets are registered. */
  async count(): Promise<number> {
    return this.prisma.dataset.count();
  }
}

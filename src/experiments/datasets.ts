import type { BackgroundPart } from "../vocabulary";
import type { RandomisationElement } from "../datasets/domainRandomisation";
import type { PrismaClient } from "../db/prismaClient";
import type { ClassCounts, SplitCounts } from "../datasets/datasetManifest";
import type { SynthSizes } from "../datasets/synthLogos32";
import type { Dataset as DatasetRow } from "../generated/prisma/client";
import { PREPARING_STATUSES, type DatasetFormat, type DatasetStatus, type SplitRecipe } from "../vocabulary";
import { isId } from "./ids";
import { afterTimestamp } from "./keyset";
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from "./pagination";
import { asJson } from "./runRecords";

export type { SplitCounts, ClassCounts };

/** One brand of a synthetic dataset and where its artwork comes from. */
export interface DatasetSourceRecord {
  className: string;
  title: string;
  package: string;
  packageVersion: string;
  packageLicense: string;
  /** Licence the package states for this brand's artwork. */
  license: string;
  /** The FlickrLogos-32 class this brand stands in for, or null. */
  substitutedFor: string | null;
  /** The brand's other marks the generator drew among (`BRAND_MARKS`); absent in older records. */
  alternateMarks?: DatasetMarkRecord[];
}

/** One alternate mark of a brand in a synthetic dataset and where its artwork comes from. */
export interface DatasetMarkRecord {
  name: string;
  package: string;
  packageVersion: string;
  license: string;
}

/** The generator settings of a synthetic dataset. */
export interface SyntheticParameters {
  seed: number;
  /** The multiple of FlickrLogos-32's sizes asked for; null when explicit sizes were. */
  scale: number | null;
  sizes: SynthSizes;
  /** The domain-randomisation elements that were on (none for datasets generated before them). */
  randomisation: RandomisationElement[];
  /** The background photos drawn on (ALL for datasets generated before the pool was split). */
  backgrounds: BackgroundPart;
}

/**
 * What, with name and split recipe, identifies a synthetic dataset: the same seed, sizes and
 * randomisation give the same images.
 */
export type SyntheticIdentity = Pick<SyntheticParameters, "seed" | "sizes" | "randomisation" | "backgrounds">;

/**
 * What the registry keeps about a dataset's content beyond its counts (the `manifest` JSON column):
 * provenance and per-class counts. The full file list stays in the dataset's own manifest on disk.
 */
export interface DatasetSummary {
  /** The importer or generator that made it, its root and split recipe. */
  source?: { kind: string; root?: string; recipe?: SplitRecipe };
  /** Images per split and class. */
  classCounts?: ClassCounts;
  /** Images with at least one logo box, per split (box-supervised training needs them). */
  boxedImageCounts?: SplitCounts;
  /** Synthetic datasets: the generator and its settings (split seeds once generated). */
  generator?: Omit<SyntheticParameters, "randomisation" | "backgrounds"> & {
    name: string;
    splitSeeds?: unknown;
    /** Absent in datasets generated before domain randomisation. */
    randomisation?: RandomisationElement[];
    /** Absent in datasets generated before the background pool was split. */
    backgrounds?: BackgroundPart;
  };
  /** Synthetic datasets: each brand's artwork source and licence. */
  sources?: DatasetSourceRecord[];
  /** Synthetic datasets: how many background photos under which licences. */
  backgrounds?: { count: number; licensesFile: string; licenses: Record<string, number> };
}

/** A registered dataset, its JSON columns typed. */
export interface Dataset extends Omit<DatasetRow, "splitCounts" | "manifest"> {
  splitCounts: SplitCounts;
  summary: DatasetSummary;
}

/** Images of one class in each split. */
export interface ClassSplitCounts extends SplitCounts {
  label: string;
}

function datasetOf(row: DatasetRow): Dataset {
  const { manifest, splitCounts, ...columns } = row;
  return {
    ...columns,
    splitCounts: splitCounts as unknown as SplitCounts,
    summary: manifest as unknown as DatasetSummary,
  };
}

/** Images per split of each class, in the dataset's class order (0 where a split has none). */
export function classSplitCounts(dataset: Dataset): ClassSplitCounts[] {
  const counts = dataset.summary.classCounts;
  return dataset.classes.map((label) => ({
    label,
    train: counts?.train[label] ?? 0,
    val: counts?.val[label] ?? 0,
    test: counts?.test[label] ?? 0,
  }));
}

/** The generator settings of a synthetic dataset; null for imported ones. */
export function syntheticParametersOf(dataset: Dataset): SyntheticParameters | null {
  if (dataset.format !== "SYNTHETIC" || !dataset.summary.generator) return null;
  const { seed, scale, sizes, randomisation, backgrounds } = dataset.summary.generator;
  return {
    seed,
    scale: scale ?? null,
    sizes,
    randomisation: randomisation ?? [],
    backgrounds: backgrounds ?? "ALL",
  };
}

/** What registering a dataset records. */
export interface RegisterDatasetInput {
  name: string;
  format: DatasetFormat;
  status: DatasetStatus;
  rootPath: string;
  splitRecipe?: SplitRecipe | null;
  contentHash?: string | null;
  classes?: string[];
  splitCounts?: SplitCounts;
  summary?: DatasetSummary;
  /** Share of the preparation done (0–1) for a dataset registered while it is being prepared. */
  progress?: number | null;
}

/** What an import or generation found the content to be. */
export interface DatasetContent {
  contentHash: string;
  classes: string[];
  splitCounts: SplitCounts;
  summary: DatasetSummary;
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
      const { summary, splitCounts, ...columns } = input;
      const row = await tx.dataset.create({
        data: {
          ...columns,
          classes: input.classes ?? [],
          splitCounts: asJson(splitCounts ?? { train: 0, val: 0, test: 0 }),
          manifest: asJson(summary ?? {}),
          version: (latest?.version ?? 0) + 1,
        },
      });
      return datasetOf(row);
    });
  }

  /** A READY dataset with exactly this content, format and split recipe (re-imports find it). */
  async findReadyByContent(
    contentHash: string,
    format: DatasetFormat,
    splitRecipe: string | null,
  ): Promise<Dataset | null> {
    const row = await this.prisma.dataset.findFirst({
      where: { contentHash, format, splitRecipe, status: "READY" },
      orderBy: { version: "asc" },
    });
    return row && datasetOf(row);
  }

  /** The newest dataset of this name, or null. */
  async latestNamed(name: string): Promise<Dataset | null> {
    const row = await this.prisma.dataset.findFirst({ where: { name }, orderBy: { version: "desc" } });
    return row && datasetOf(row);
  }

  /** Records preparation progress (0–1); also shows the preparing process is alive (updatedAt). */
  async reportProgress(id: string, progress: number): Promise<void> {
    await this.prisma.dataset.update({ where: { id }, data: { progress } });
  }

  /** Marks a prepared dataset usable, in its final directory, with what its content turned out to be. */
  async markReady(id: string, rootPath: string, content: DatasetContent): Promise<Dataset> {
    const row = await this.prisma.dataset.update({
      where: { id },
      data: {
        rootPath,
        status: "READY",
        progress: null,
        error: null,
        contentHash: content.contentHash,
        classes: content.classes,
        splitCounts: asJson(content.splitCounts),
        manifest: asJson(content.summary),
      },
    });
    return datasetOf(row);
  }

  /**
   * The newest SYNTHETIC dataset of this name and split recipe generated with exactly this seed
   * and these sizes (stored as `manifest.generator`) and in one of `statuses`, or null.
   */
  async findSynthetic(
    name: string,
    splitRecipe: string,
    identity: SyntheticIdentity,
    statuses: readonly DatasetStatus[],
  ): Promise<Dataset | null> {
    const row = await this.prisma.dataset.findFirst({
      where: {
        name,
        splitRecipe,
        format: "SYNTHETIC",
        status: { in: [...statuses] },
        AND: [
          { manifest: { path: ["generator", "seed"], equals: identity.seed } },
          { manifest: { path: ["generator", "sizes"], equals: asJson(identity.sizes) } },
          { manifest: { path: ["generator", "randomisation"], equals: asJson(identity.randomisation) } },
          { manifest: { path: ["generator", "backgrounds"], equals: identity.backgrounds } },
        ],
      },
      orderBy: { version: "desc" },
    });
    return row && datasetOf(row);
  }

  /** How many datasets are in one of `statuses`. */
  async countWithStatus(statuses: readonly DatasetStatus[]): Promise<number> {
    return this.prisma.dataset.count({ where: { status: { in: [...statuses] } } });
  }

  /** Marks a preparation failed with its reason. */
  async markFailed(id: string, error: string): Promise<Dataset> {
    return datasetOf(
      await this.prisma.dataset.update({ where: { id }, data: { status: "FAILED", progress: null, error } }),
    );
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
      where: { status: { in: [...PREPARING_STATUSES] }, updatedAt: { lt: staleBefore } },
      data: { status: "FAILED", progress: null, error: "interrupted: the process preparing it stopped" },
    });
    return count;
  }

  /** The dataset with this id, or null. */
  async get(id: string): Promise<Dataset | null> {
    if (!isId(id)) return null;
    const row = await this.prisma.dataset.findUnique({ where: { id } });
    return row && datasetOf(row);
  }

  /** Datasets by id, in the order asked, null where missing (for dataloaders). */
  async getMany(ids: readonly string[]): Promise<(Dataset | null)[]> {
    const rows = await this.prisma.dataset.findMany({ where: { id: { in: ids.filter(isId) } } });
    const byId = new Map(rows.map((r) => [r.id, datasetOf(r)]));
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
      rows.map(datasetOf),
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

import type { PrismaClient } from "../db/prismaClient";
import type { Experiment, Prisma } from "../generated/prisma/client";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import { isId } from "./ids";
import { afterTimestamp } from "./keyset";
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from "./pagination";
import { isForeignKeyViolation, isUniqueViolation } from "./prismaErrors";

export type { Experiment };

/** What `createExperiment` accepts. */
export interface CreateExperimentInput {
  name: string;
  description?: string | null;
  datasetId: string;
  tags?: string[] | null;
}

/** Narrows `experiments(filter:)`. */
export interface ExperimentFilter {
  datasetId?: string | null;
  tag?: string | null;
  nameContains?: string | null;
  /** Every one of these tags. */
  tags?: string[] | null;
  noteContains?: string | null;
  /** In the name, description, note or one of the tags (case-insensitive). */
  text?: string | null;
}

const ORDERING = "experiments:createdAt:desc";
const MAX_NAME_LENGTH = 200;
const MAX_TAGS = 32;

interface ExperimentRow {
  name: string;
  description: string;
  datasetId: string;
  tags: string[];
}

function normaliseInput(input: CreateExperimentInput): ExperimentRow {
  const name = input.name.trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new ValidationError(`name must be 1–${MAX_NAME_LENGTH} characters`, { field: "name" });
  }
  const tags = [...new Set((input.tags ?? []).map((t) => t.trim()).filter((t) => t.length > 0))];
  if (tags.length > MAX_TAGS) throw new ValidationError(`at most ${MAX_TAGS} tags`, { field: "tags" });
  return { name, description: input.description?.trim() ?? "", datasetId: input.datasetId, tags };
}

/** Experiments: named groups of runs over one dataset. */
export class ExperimentService {
  constructor(private readonly prisma: PrismaClient) {}

  /** Creates an experiment; a taken name or an unknown dataset is an error and writes nothing. */
  async create(input: CreateExperimentInput): Promise<Experiment> {
    const data = normaliseInput(input);
    const datasetMissing = () => new NotFoundError("Dataset", data.datasetId);
    if (!isId(data.datasetId)) throw datasetMissing();
    try {
      return await this.prisma.experiment.create({ data });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ConflictError(`an experiment named ${JSON.stringify(data.name)} already exists`, {
          field: "name",
        });
      }
      if (isForeignKeyViolation(error)) throw datasetMissing();
      throw error;
    }
  }

  /** The experiment with this id, or null. */
  async get(id: string): Promise<Experiment | null> {
    if (!isId(id)) return null;
    return this.prisma.experiment.findUnique({ where: { id } });
  }

  /** Experiments by id, in the order asked, null where missing (for dataloaders). */
  async getMany(ids: readonly string[]): Promise<(Experiment | null)[]> {
    const rows = await this.prisma.experiment.findMany({ where: { id: { in: ids.filter(isId) } } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** Newest first, keyset-paginated. */
  async list(request: PageRequest, filter: ExperimentFilter = {}): Promise<Page<Experiment>> {
    const limit = pageSize(request.first);
    const after = request.after
      ? afterTimestamp("createdAt", "desc", decodeCursor(ORDERING, request.after))
      : {};
    const rows = await this.prisma.experiment.findMany({
      where: { AND: [experimentWhere(filter), after] },
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

  /** How many experiments match the filter (for `totalCount`). */
  async count(filter: ExperimentFilter = {}): Promise<number> {
    return this.prisma.experiment.count({ where: experimentWhere(filter) });
  }
}

function experimentWhere(filter: ExperimentFilter): Prisma.ExperimentWhereInput {
  // A malformed dataset id matches nothing rather than failing the whole list.
  if (filter.datasetId && !isId(filter.datasetId)) return { id: { in: [] } };
  const contains = (text: string) => ({ contains: text, mode: "insensitive" as const });
  const tags = [...(filter.tag ? [filter.tag] : []), ...(filter.tags ?? [])];
  return {
    datasetId: filter.datasetId ?? undefined,
    tags: tags.length ? { hasEvery: tags } : undefined,
    name: filter.nameContains ? contains(filter.nameContains) : undefined,
    note: filter.noteContains ? contains(filter.noteContains) : undefined,
    // Tags are matched whole here (Prisma cannot search inside array items); the run query's `text` field does.
    OR: filter.text
      ? [
          { name: contains(filter.text) },
          { description: contains(filter.text) },
          { note: contains(filter.text) },
          { tags: { has: filter.text } },
        ]
      : undefined,
  };
}

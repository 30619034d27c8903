import type { PrismaClient } from "../db/prismaClient";
import { NotFoundError, ValidationError } from "../errors";
import { Prisma, type Experiment } from "../generated/prisma/client";
import { isId } from "./ids";
import { runOf, type Run } from "./runRecords";

/**
 * Tags and notes that people keep on runs and experiments (`tagRun`, `setRunNote`, …). Tags are
 * added and removed atomically in SQL, so two clients tagging one run at once both win.
 */

/** Most tags a run or an experiment carries. */
export const MAX_TAGS = 32;
/** Longest tag, in characters. */
export const MAX_TAG_LENGTH = 64;
/** Longest note, in characters. */
export const MAX_NOTE_LENGTH = 20_000;

/** What `tagRun` / `tagExperiment` change. */
export interface TagChange {
  add?: readonly string[] | null;
  remove?: readonly string[] | null;
}

/** Trimmed, non-empty, distinct tags of at most {@link MAX_TAG_LENGTH} characters. */
export function normaliseTags(tags: readonly string[] | null | undefined, field: string): string[] {
  const cleaned = [...new Set((tags ?? []).map((t) => t.trim()).filter((t) => t.length > 0))];
  const tooLong = cleaned.find((t) => t.length > MAX_TAG_LENGTH);
  if (tooLong !== undefined) {
    throw new ValidationError(`a tag has at most ${MAX_TAG_LENGTH} characters`, { field });
  }
  return cleaned;
}

function normaliseNote(note: string): string {
  const trimmed = note.trim();
  if (trimmed.length > MAX_NOTE_LENGTH) {
    throw new ValidationError(`a note has at most ${MAX_NOTE_LENGTH} characters`, { field: "note" });
  }
  return trimmed;
}

type Table = "runs" | "experiments";

export class AnnotationService {
  constructor(private readonly prisma: PrismaClient) {}

  /** Adds, then removes tags of a run (order of first addition kept); returns the run. */
  async tagRun(runId: string, change: TagChange): Promise<Run> {
    await this.changeTags("runs", runId, change);
    return runOf(await this.prisma.run.findUniqueOrThrow({ where: { id: runId } }));
  }

  /** Replaces a run's note (empty text clears it); returns the run. */
  async setRunNote(runId: string, note: string): Promise<Run> {
    if (!isId(runId)) throw new NotFoundError("Run", runId);
    const { count } = await this.prisma.run.updateMany({
      where: { id: runId },
      data: { note: normaliseNote(note) },
    });
    if (count === 0) throw new NotFoundError("Run", runId);
    return runOf(await this.prisma.run.findUniqueOrThrow({ where: { id: runId } }));
  }

  /** Adds, then removes tags of an experiment; returns the experiment. */
  async tagExperiment(experimentId: string, change: TagChange): Promise<Experiment> {
    await this.changeTags("experiments", experimentId, change);
    return this.prisma.experiment.findUniqueOrThrow({ where: { id: experimentId } });
  }

  /** Replaces an experiment's note; returns the experiment. */
  async setExperimentNote(experimentId: string, note: string): Promise<Experiment> {
    if (!isId(experimentId)) throw new NotFoundError("Experiment", experimentId);
    const { count } = await this.prisma.experiment.updateMany({
      where: { id: experimentId },
      data: { note: normaliseNote(note) },
    });
    if (count === 0) throw new NotFoundError("Experiment", experimentId);
    return this.prisma.experiment.findUniqueOrThrow({ where: { id: experimentId } });
  }

  private async changeTags(table: Table, id: string, change: TagChange): Promise<void> {
    const entity = table === "runs" ? "Run" : "Experiment";
    if (!isId(id)) throw new NotFoundError(entity, id);
    const add = normaliseTags(change.add, "add");
    const remove = normaliseTags(change.remove, "remove");
    await this.prisma.$transaction(async (tx) => {
      // `table` is one of two fixed names, never client text; the tags are bound parameters.
      const rows = await tx.$queryRaw<{ tagCount: number }[]>(Prisma.sql`
        UPDATE ${Prisma.raw(table)} SET updated_at = now(), tags = ARRAY(
          SELECT u.tag
          FROM unnest(COALESCE(tags, ARRAY[]::text[]) || CAST(${add} AS text[])) WITH ORDINALITY AS u(tag, n)
          WHERE NOT (u.tag = ANY(CAST(${remove} AS text[])))
          GROUP BY u.tag ORDER BY min(u.n))
        WHERE id = CAST(${id} AS uuid)
        RETURNING cardinality(tags) AS "tagCount"`);
      if (rows.length === 0) throw new NotFoundError(entity, id);
      if (rows[0].tagCount > MAX_TAGS) {
        throw new ValidationError(`at most ${MAX_TAGS} tags`, { field: "add" });
      }
    });
  }
}

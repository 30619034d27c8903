import type { PrismaClient } from "../db/prismaClient";
import { NotFoundError, ValidationError } from "../errors";
import type { ModelAlias, ModelAliasChange } from "../generated/prisma/client";
import { isId } from "./ids";
import { checkpointOf, runOf, type Checkpoint, type Run } from "./runRecords";

export type { ModelAlias, ModelAliasChange };

const ALIAS_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Named pointers to checkpoints that serving resolves (`production`, `staging`, …). */
export class ModelAliasService {
  constructor(private readonly prisma: PrismaClient) {}

  /** Every alias, by name. */
  async list(): Promise<ModelAlias[]> {
    return this.prisma.modelAlias.findMany({ orderBy: { name: "asc" } });
  }

  /** The alias of this name, or null. */
  async get(name: string): Promise<ModelAlias | null> {
    return this.prisma.modelAlias.findUnique({ where: { name } });
  }

  /**
   * Points `name` at the best checkpoint of `runId`, creating the alias if needed, and records the
   * change (who, when, from → to) in the same transaction.
   */
  async set(name: string, runId: string, changedByKeyId: string | null): Promise<ModelAlias> {
    if (!ALIAS_NAME.test(name)) {
      throw new ValidationError(
        "name must be 1–63 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit",
        {
          field: "name",
        },
      );
    }
    const found = await this.runWithBestCheckpoint(runId);
    if (!found) throw new NotFoundError("Run", runId);
    const { checkpoint } = found;
    if (!checkpoint) {
      throw new ValidationError(
        `run ${runId} has no checkpoint yet; an alias needs a run with a completed epoch`,
        {
          field: "runId",
        },
      );
    }
    return this.prisma.$transaction(async (tx) => {
      const previous = await tx.modelAlias.findUnique({ where: { name } });
      const alias = await tx.modelAlias.upsert({
        where: { name },
        create: { name, runId, checkpointId: checkpoint.id, updatedByKeyId: changedByKeyId },
        update: { runId, checkpointId: checkpoint.id, updatedByKeyId: changedByKeyId },
      });
      await tx.modelAliasChange.create({
        data: {
          aliasId: alias.id,
          fromRunId: previous?.runId ?? null,
          fromCheckpointId: previous?.checkpointId ?? null,
          toRunId: runId,
          toCheckpointId: checkpoint.id,
          changedByKeyId,
        },
      });
      return alias;
    });
  }

  /**
   * What `classifyImage` serves for `model`: a run id means that run's best checkpoint; anything
   * else is an alias name. Null when there is no such run, alias or checkpoint. Read per request, so
   * an alias change reaches every API process at once; a request in flight keeps what it resolved.
   */
  async resolveForServing(model: string): Promise<{ runId: string; checkpoint: Checkpoint } | null> {
    if (isId(model)) {
      const found = await this.runWithBestCheckpoint(model);
      return found?.checkpoint ? { runId: found.run.id, checkpoint: found.checkpoint } : null;
    }
    const alias = await this.prisma.modelAlias.findUnique({
      where: { name: model },
      include: { checkpoint: true },
    });
    return alias && { runId: alias.runId, checkpoint: checkpointOf(alias.checkpoint) };
  }

  /** The run with this id and its best epoch's checkpoint (null while it has none); null without such a run. */
  private async runWithBestCheckpoint(
    runId: string,
  ): Promise<{ run: Run; checkpoint: Checkpoint | null } | null> {
    const row = isId(runId) ? await this.prisma.run.findUnique({ where: { id: runId } }) : null;
    if (!row) return null;
    const checkpoint =
      row.bestEpoch === null
        ? null
        : await this.prisma.checkpoint.findUnique({
            where: { runId_epoch: { runId, epoch: row.bestEpoch } },
          });
    return { run: runOf(row), checkpoint: checkpoint && checkpointOf(checkpoint) };
  }

  /** The checkpoint an alias serves. */
  async checkpointOf(alias: ModelAlias): Promise<Checkpoint> {
    return checkpointOf(
      await this.prisma.checkpoint.findUniqueOrThrow({ where: { id: alias.checkpointId } }),
    );
  }

  /** The changes of each alias, newest first (for dataloaders). */
  async historyOf(aliasIds: readonly string[]): Promise<ModelAliasChange[][]> {
    const rows = await this.prisma.modelAliasChange.findMany({
      where: { aliasId: { in: [...aliasIds] } },
      orderBy: [{ changedAt: "desc" }, { id: "desc" }],
    });
    const byAlias = new Map<string, ModelAliasChange[]>();
    for (const row of rows) byAlias.set(row.aliasId, [...(byAlias.get(row.aliasId) ?? []), row]);
    return aliasIds.map((id) => byAlias.get(id) ?? []);
  }
}

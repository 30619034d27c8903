import type { PrismaClient } from "../db/prismaClient";
import type { Checkpoint, ModelAlias, ModelAliasChange } from "../generated/prisma/client";

export type { ModelAlias, ModelAliasChange };

/** Named pointers to checkpoints that serving resolves (`production`, `staging`, …). */
export class ModelAliasService {
  constructor(private readonly prisma: PrismaClient) {}

  /** Every alias, by name. */
  async list(): Promise<ModelAlias[]> {
    return this.prisma.modelAlias.findMany({ orderBy: { name: "asc" } });
  }

  /** The checkpoint an alias serves. */
  async checkpointOf(alias: ModelAlias): Promise<Checkpoint> {
    return this.prisma.checkpoint.findUniqueOrThrow({ where: { id: alias.checkpointId } });
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

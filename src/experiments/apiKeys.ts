import { createHash, randomBytes } from "node:crypto";
import type { PrismaClient } from "../db/prismaClient";
import type { ApiKey } from "../generated/prisma/client";
import type { Role } from "../vocabulary";
import { NotFoundError, ValidationError } from "../errors";
import { isId } from "./ids";

export type { ApiKey };

/** A key as created: the secret is returned this once and never stored. */
export interface CreatedApiKey {
  apiKey: ApiKey;
  secret: string;
}

const SECRET_PREFIX = "ll_";
const SHOWN_PREFIX_LENGTH = 10;
// Writing last-used on every request would turn every read into a write; a minute is precise enough.
const LAST_USED_RESOLUTION_MS = 60_000;

/** sha256 hex of a secret; keys are 256 random bits, so a fast hash is enough. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** API keys: creation, verification, revocation. */
export class ApiKeyService {
  constructor(private readonly prisma: PrismaClient) {}

  /** Creates a key with a fresh random secret. */
  async create(role: Role, name: string): Promise<CreatedApiKey> {
    const label = name.trim();
    if (label.length === 0 || label.length > 100) {
      throw new ValidationError("name must be 1–100 characters", { field: "name" });
    }
    const secret = SECRET_PREFIX + randomBytes(32).toString("base64url");
    const apiKey = await this.prisma.apiKey.create({
      data: {
        name: label,
        role,
        prefix: secret.slice(0, SHOWN_PREFIX_LENGTH),
        secretHash: hashSecret(secret),
      },
    });
    return { apiKey, secret };
  }

  /** The active (not revoked) key with this secret, or null; stamps its last use. */
  async authenticate(secret: string): Promise<ApiKey | null> {
    const apiKey = await this.prisma.apiKey.findUnique({ where: { secretHash: hashSecret(secret) } });
    if (!apiKey || apiKey.revokedAt) return null;
    const now = new Date();
    if (!apiKey.lastUsedAt || now.getTime() - apiKey.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
      await this.prisma.apiKey.update({ where: { id: apiKey.id }, data: { lastUsedAt: now } });
    }
    return apiKey;
  }

  /** Revokes a key; revoking twice keeps the first revocation time. */
  async revoke(id: string): Promise<ApiKey> {
    const existing = isId(id) ? await this.prisma.apiKey.findUnique({ where: { id } }) : null;
    if (!existing) throw new NotFoundError("ApiKey", id);
    if (existing.revokedAt) return existing;
    return this.prisma.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
  }

  /** All keys, newest first (secrets are never readable). */
  async list(): Promise<ApiKey[]> {
    return this.prisma.apiKey.findMany({ orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
  }

  /** Whether any active admin key exists (first start creates one when not). */
  async hasActiveAdmin(): Promise<boolean> {
    return (await this.prisma.apiKey.count({ where: { role: "ADMIN", revokedAt: null } })) > 0;
  }
}

import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client";

export type { PrismaClient };

/** A Prisma client over the pure-JS pg driver (no native engine), with a bounded pool. */
export function createPrismaClient(connectionString: string, poolSize: number): PrismaClient {
  const adapter = new PrismaPg({ connectionString, max: poolSize });
  return new PrismaClient({ adapter });
}

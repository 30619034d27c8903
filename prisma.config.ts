// Prisma 7 CLI configuration. The CLI is used offline for `generate` only (see README);
// migrations are applied by src/db/migrate.ts, which writes Prisma's own _prisma_migrations table.
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/logolab" },
});

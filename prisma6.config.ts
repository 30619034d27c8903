// Configuration for the Prisma 6 CLI (devDependency alias `prisma6`), whose wasm schema engine
// works offline through the pg driver adapter. Use it through scripts/prisma6.js, which writes the
// Prisma-6 flavoured copy of prisma/schema.prisma that this file points at.
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { defineConfig } from "prisma6/config";

const schema = process.env.LOGOLAB_PRISMA6_SCHEMA;
if (!schema) throw new Error("run the Prisma 6 CLI through scripts/prisma6.js");

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema,
  migrations: { path: path.join(__dirname, "prisma", "migrations") },
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL! }),
});

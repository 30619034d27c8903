#!/usr/bin/env node
// Runs the Prisma 6 CLI offline (its schema engine is wasm, reached through the pg adapter) for
// what the Prisma 7 CLI cannot do here without downloading its native engine:
//   node scripts/prisma6.js migrate status                      (needs DATABASE_URL)
//   node scripts/prisma6.js migrate deploy                      (needs DATABASE_URL)
//   node scripts/prisma6.js migrate diff --from-empty --to-schema-datamodel SCHEMA --script
// SCHEMA in arguments is replaced by the path of the Prisma 6 copy of prisma/schema.prisma.
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.join(__dirname, "..");
const source = fs.readFileSync(path.join(root, "prisma", "schema.prisma"), "utf8");
// Prisma 6 wants the URL in the datasource and a client-engine generator; Prisma 7 forbids both.
const prisma6Schema = source
  .replace(/provider = "postgresql"/, 'provider = "postgresql"\n  url      = env("DATABASE_URL")')
  .replace(/provider\s*=\s*"prisma-client"/, 'provider = "prisma-client"\n  engineType = "client"');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "logolab-prisma6-"));
const schemaPath = path.join(dir, "schema.prisma");
fs.writeFileSync(schemaPath, prisma6Schema);

const args = process.argv.slice(2).map((a) => (a === "SCHEMA" ? schemaPath : a));
const result = spawnSync(
  process.execPath,
  [
    path.join(root, "node_modules", "prisma6", "build", "index.js"),
    ...args,
    "--config",
    path.join(root, "prisma6.config.ts"),
  ],
  {
    stdio: "inherit",
    env: { ...process.env, LOGOLAB_PRISMA6_SCHEMA: schemaPath, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  },
);
fs.rmSync(dir, { recursive: true, force: true });
process.exit(result.status ?? 1);

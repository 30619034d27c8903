#!/usr/bin/env bash
# Drafts the next migration: the SQL from the last committed prisma/schema.prisma (git HEAD) to the
# working tree's, written to prisma/migrations/<UTC stamp>_<name>/migration.sql. Review it before
# committing; test/db/migrationDrift.test.ts checks that the migrations build exactly the schema.
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/draft-migration.sh <name>}"
previous="$(mktemp --suffix=.prisma)"
trap 'rm -f "$previous"' EXIT
# The Prisma 6 CLI wants a datasource URL and a client-engine generator (see scripts/prisma6.js).
git show HEAD:prisma/schema.prisma |
  sed 's/provider = "postgresql"/provider = "postgresql"\n  url      = env("DATABASE_URL")/' |
  sed 's/provider\s*=\s*"prisma-client"/provider = "prisma-client"\n  engineType = "client"/' >"$previous"
dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_${name}"
mkdir -p "$dir"
DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}" \
  node scripts/prisma6.js migrate diff --from-schema-datamodel "$previous" --to-schema-datamodel SCHEMA --script \
  >"$dir/migration.sql"
echo "wrote $dir/migration.sql"

#!/usr/bin/env bash
# Rewrites the initial migration from prisma/schema.prisma. Only for use before the first release
# lands; afterwards add a new migration folder instead (see README, "Database").
set -euo pipefail
cd "$(dirname "$0")/.."
db="logolab_migration_diff_$$"
admin="${LOGOLAB_TEST_POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/postgres}"
psql "$admin" -qc "CREATE DATABASE $db"
trap 'psql "$admin" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
DATABASE_URL="${admin%/*}/$db" node scripts/prisma6.js migrate diff --from-empty --to-schema-datamodel SCHEMA --script \
  > prisma/migrations/20261129080000_init/migration.sql

/**
 * bench:registry — run search and comparison at scale.
 *
 * A fresh PostgreSQL database is migrated and seeded (support/registrySeed.ts) with 1,000 runs ×
 * 50 epochs, each epoch with per-class metrics and a 33×33 confusion matrix. Then, server side —
 * the GraphQL operation parsed, validated and executed against the API's schema and a fresh
 * request context (dataloaders) in this process, no HTTP — 50 timed calls (after 5 warm-ups) of:
 *   - `runs(first: 50)` filtered (`best.valMacroF1 > 0.3 and architecture in (…)`) and ordered by
 *     BEST_VAL_MACRO_F1_DESC, with each run's best epoch;
 *   - `compareRuns` of 10 runs with `samples: 20` (every field: series, per-class, confusions,
 *     evaluations);
 * counting the SQL statements each sends (Prisma's query events). The same `runs` call is then
 * timed at 10,000 runs (9,000 more seeded the same way). For reference, the same calls over HTTP
 * (with API-key auth) and the runs call selecting per-class metrics too. Targets: p50 ≤ 30 ms
 * (runs) and ≤ 50 ms (compare) at 1,000 runs; ≤ 2× at 10,000.
 * Last line: `bench:registry runs_p50_ms=<x> compare_p50_ms=<y> runs_10k_p50_ms=<z> sql_per_request=<n>`
 * (sql_per_request: the most any of the two requests sends).
 *
 * Run: npm run bench:registry (npm run build, then tsc -p bench/registry.tsconfig.json, then node
 * dist/bench-registry/bench/registry.js). Needs PostgreSQL on 127.0.0.1:5432, user postgres, trust
 * auth (or LOGOLAB_TEST_POSTGRES_URL).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import { execute, parse, validate, type GraphQLSchema } from "graphql";
import pg from "pg";
import type { Services } from "../src/api/context";
import type { Registry } from "../src/experiments/registry";
import {
  buildLogoLabSchema,
  createContext,
  createRegistry,
  loadConfig,
  migrate,
  openDatabase,
  PrismaClient,
  startServer,
} from "./support/builtModules";
import { seedDataset, seedEvaluations, seedRuns } from "./support/registrySeed";
import { createScratchDatabase, dropScratchDatabases } from "../test/support/scratchDatabase";

const CALLS = 50;
const WARM_UPS = 5;
const TARGET_RUNS_MS = 30;
const TARGET_COMPARE_MS = 50;

const RUNS_QUERY = `query Runs($query: String) {
  runs(first: 50, query: $query, orderBy: BEST_VAL_MACRO_F1_DESC) {
    nodes {
      id status mlBackend tags createdAt finishedAt bestValMacroF1 bestValAccuracy
      hyperparameters { architecture pretrained learningRate batchSize lossWeighting optimizer }
      bestEpochMetric { epoch loss trainAccuracy valAccuracy testAccuracy valMacroF1 majorityBaselineAccuracy }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;
const RUNS_WITH_CLASSES_QUERY = RUNS_QUERY.replace(
  "majorityBaselineAccuracy }",
  "majorityBaselineAccuracy perClass { label precision recall f1 } }",
);
const RUNS_VARIABLES = { query: "best.valMacroF1 > 0.3 and architecture in (ALEXNET_LITE, MOBILENET_V2)" };

const COMPARE_QUERY = `query Compare($ids: [ID!]!) {
  compareRuns(ids: $ids, samples: 20) {
    runs { id status hyperparameters { architecture learningRate lossWeighting } }
    referenceRunId bestRunId
    differences { name values }
    shared { name value }
    buckets { from to }
    series { runId metric points { from to min minEpoch max maxEpoch mean last } }
    bestEpochs { runId epoch { epoch loss valAccuracy valMacroF1 majorityBaselineAccuracy } }
    perClass { label runs { runId metrics { precision recall f1 support } precisionDifference recallDifference f1Difference } }
    confusionMatrices { runId epoch matrix { labels counts } }
    confusionDifferences { runId referenceRunId matrix { labels counts } }
    evaluations { datasetId split runs { runId accuracyDifference macroF1Difference evaluation { id accuracy macroF1 } } }
  }
}`;

const startedMs = performance.now();
function log(message: string): void {
  process.stderr.write(
    `[bench:registry ${((performance.now() - startedMs) / 1000).toFixed(0).padStart(4)} s] ${message}\n`,
  );
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
}

interface Timing {
  p50: number;
  p99: number;
  /** CPU time of this (the API) process per call, p50: what the call costs here whatever the load. */
  cpuP50: number;
  statements: number;
}

/** A registry whose Prisma client counts the statements it sends. */
function countingRegistry(url: string): {
  registry: Registry;
  sent: { query: string; params: string }[];
  close: () => Promise<void>;
} {
  const sent: { query: string; params: string }[] = [];
  const prisma = new PrismaClient({
    adapter: new PrismaPg({ connectionString: url, max: 10 }),
    log: [{ emit: "event", level: "query" }],
  });
  prisma.$on("query", (event: { query: string; params: string }) =>
    sent.push({ query: event.query, params: event.params }),
  );
  return { registry: createRegistry(prisma), sent, close: () => prisma.$disconnect() };
}

/** p50/p99 of executing `query` server side (parse, validate, execute, fresh context) and its statements. */
async function timeServerSide(
  schema: GraphQLSchema,
  counting: ReturnType<typeof countingRegistry>,
  query: string,
  variables: Record<string, unknown>,
): Promise<Timing> {
  const services = {} as Services;
  const server = {
    version: "bench",
    database: "postgres" as const,
    mlBackend: () => "none",
    checkDatabase: async () => {},
  };
  const once = async () => {
    const document = parse(query);
    const errors = validate(schema, document);
    if (errors.length) throw new Error(errors.map((e) => e.message).join("; "));
    const context = createContext({ keyId: "bench", role: "VIEWER" }, counting.registry, services, server);
    const result = await execute({ schema, document, contextValue: context, variableValues: variables });
    if (result.errors?.length) throw new Error(JSON.stringify(result.errors));
    return result;
  };
  for (let i = 0; i < WARM_UPS; i++) await once();
  const durations: number[] = [];
  const cpu: number[] = [];
  const statements: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    counting.sent.splice(0);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await once();
    durations.push(performance.now() - t0);
    const used = process.cpuUsage(cpu0);
    cpu.push((used.user + used.system) / 1000);
    statements.push(counting.sent.length);
  }
  if (new Set(statements).size !== 1)
    throw new Error(`statements per call varied: ${[...new Set(statements)]}`);
  return {
    p50: percentile(durations, 50),
    p99: percentile(durations, 99),
    cpuP50: percentile(cpu, 50),
    statements: statements[0],
  };
}

/** p50/p99 of the same request over HTTP with API-key auth (client-observed, for reference). */
async function timeOverHttp(
  url: string,
  key: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<Timing> {
  const once = async () => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
  };
  for (let i = 0; i < WARM_UPS; i++) await once();
  const durations: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const t0 = performance.now();
    await once();
    durations.push(performance.now() - t0);
  }
  return { p50: percentile(durations, 50), p99: percentile(durations, 99), cpuP50: NaN, statements: NaN };
}

/** The plan PostgreSQL chose for the runs page the API sent (EXPLAIN ANALYZE of that statement). */
async function runsPagePlan(
  client: pg.Client,
  counting: ReturnType<typeof countingRegistry>,
): Promise<string[]> {
  const page = counting.sent.find((s) => s.query.includes("FROM runs r") && s.query.includes("LIMIT"));
  if (!page) return ["(the runs page statement was not seen)"];
  const { rows } = await client.query<{ "QUERY PLAN": string }>(
    `EXPLAIN (ANALYZE, COSTS OFF) ${page.query}`,
    JSON.parse(page.params) as unknown[],
  );
  return rows.map((r) => r["QUERY PLAN"]);
}

const ms = (value: number) => value.toFixed(1);

async function main(): Promise<void> {
  const loadAtStart = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "logolab-bench-registry-"));
  const scratch = await createScratchDatabase("logolab_bench_registry");
  const client = new pg.Client({ connectionString: scratch.url });
  const counting = countingRegistry(scratch.url);
  let stopServer: (() => Promise<void>) | undefined;
  try {
    await migrate(scratch.url);
    await client.connect();
    log("seeding 1,000 runs × 50 epochs (33 classes)…");
    const { datasetId, experimentIds } = await seedDataset(client);
    let t0 = performance.now();
    await seedRuns(client, experimentIds, 0, 1000);
    const seed1kSeconds = (performance.now() - t0) / 1000;
    const compareIds = (
      await client.query<{ id: string }>(`SELECT id FROM runs ORDER BY seed LIMIT 10 OFFSET 100`)
    ).rows.map((r) => r.id);
    await seedEvaluations(client, datasetId, compareIds.slice(0, 5));
    const [{ count: epochRows }] = (
      await client.query<{ count: string }>(`SELECT count(*) FROM epoch_metrics`)
    ).rows;
    const [{ size }] = (
      await client.query<{ size: string }>(
        `SELECT pg_size_pretty(pg_database_size(current_database())) AS size`,
      )
    ).rows;
    log(`seeded ${epochRows} epoch rows in ${seed1kSeconds.toFixed(0)} s (database ${size})`);

    const schema = await buildLogoLabSchema();
    const runs1k = await timeServerSide(schema, counting, RUNS_QUERY, RUNS_VARIABLES);
    log(`runs at 1,000: p50 ${ms(runs1k.p50)} ms`);
    const plan1k = await runsPagePlan(client, counting);
    const runsClasses1k = await timeServerSide(schema, counting, RUNS_WITH_CLASSES_QUERY, RUNS_VARIABLES);
    const compare1k = await timeServerSide(schema, counting, COMPARE_QUERY, { ids: compareIds });
    log(`compareRuns at 1,000: p50 ${ms(compare1k.p50)} ms`);

    const config = loadConfig({
      DATABASE_URL: scratch.url,
      PORT: "0",
      LOGOLAB_HOME: work,
      LOGOLAB_DEFAULT_DATASET: "false",
    });
    const database = await openDatabase(config);
    const registry = createRegistry(database.prisma);
    const key = await registry.apiKeys.create("VIEWER", "bench");
    const server = await startServer({
      config,
      database,
      registry,
      services: {} as Services,
      mlBackend: () => "none",
      logError: () => {},
    });
    stopServer = async () => {
      await server.stop();
      await database.close();
    };
    const httpRuns = await timeOverHttp(`${server.url}/graphql`, key.secret, RUNS_QUERY, RUNS_VARIABLES);
    const httpCompare = await timeOverHttp(`${server.url}/graphql`, key.secret, COMPARE_QUERY, {
      ids: compareIds,
    });

    log("seeding 9,000 more runs × 50 epochs…");
    t0 = performance.now();
    await seedRuns(client, experimentIds, 1000, 10_000);
    const seed9kSeconds = (performance.now() - t0) / 1000;
    const [{ size: size10k }] = (
      await client.query<{ size: string }>(
        `SELECT pg_size_pretty(pg_database_size(current_database())) AS size`,
      )
    ).rows;
    log(`seeded in ${seed9kSeconds.toFixed(0)} s (database ${size10k})`);
    const runs10k = await timeServerSide(schema, counting, RUNS_QUERY, RUNS_VARIABLES);
    const plan10k = await runsPagePlan(client, counting);
    const compare10k = await timeServerSide(schema, counting, COMPARE_QUERY, { ids: compareIds });

    const row = (label: string, t: Timing, target: number | null) => [
      label,
      ms(t.p50),
      ms(t.p99),
      Number.isNaN(t.cpuP50) ? "–" : ms(t.cpuP50),
      Number.isNaN(t.statements) ? "–" : String(t.statements),
      target === null ? "–" : String(target),
      target === null ? "–" : (t.p50 / target).toFixed(2),
    ];
    const rows = [
      row("runs(first: 50) filtered, by best val macro-F1, with best epochs", runs1k, TARGET_RUNS_MS),
      row("compareRuns(10 runs, samples: 20), every field", compare1k, TARGET_COMPARE_MS),
      row("runs(first: 50), the same call, at 10,000 runs", runs10k, 2 * TARGET_RUNS_MS),
      row("compareRuns(10 runs, samples: 20) at 10,000 runs", compare10k, 2 * TARGET_COMPARE_MS),
      row("reference: the runs call also selecting per-class metrics", runsClasses1k, null),
      row("reference: the runs call over HTTP, client-side (auth: +2 statements)", httpRuns, null),
      row("reference: compareRuns over HTTP, client-side", httpCompare, null),
    ];
    const header = [
      "measurement (1,000 runs unless said)",
      "p50 ms",
      "p99 ms",
      "API CPU ms (p50)",
      "SQL statements",
      "target p50 ms",
      "p50 / target",
    ];
    console.log(`| ${header.join(" | ")} |`);
    console.log(
      `| --- | ${header
        .slice(1)
        .map(() => "---:")
        .join(" | ")} |`,
    );
    for (const cells of rows) console.log(`| ${cells.join(" | ")} |`);
    console.log(
      `| growth 1,000 → 10,000 runs of the runs call (p50) | ${(runs10k.p50 / runs1k.p50).toFixed(2)}× | | | | ≤ 2× | |`,
    );
    console.log("");
    const loadAtEnd = os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" / ");
    console.log(
      `machine: ${os.cpus().length} cores; load average (1 / 5 / 15 min) ${loadAtStart} at the start, ${loadAtEnd} at the end`,
    );
    console.log(
      `seeding: 1,000 runs × 50 epochs in ${seed1kSeconds.toFixed(0)} s (${size}); +9,000 in ${seed9kSeconds.toFixed(0)} s (${size10k})`,
    );
    console.log(`plan of the runs page at 1,000 runs:\n  ${plan1k.join("\n  ")}`);
    console.log(`plan of the runs page at 10,000 runs:\n  ${plan10k.join("\n  ")}`);
    const sqlPerRequest = Math.max(runs1k.statements, compare1k.statements);
    console.log(
      `bench:registry runs_p50_ms=${ms(runs1k.p50)} compare_p50_ms=${ms(compare1k.p50)} runs_10k_p50_ms=${ms(runs10k.p50)} sql_per_request=${sqlPerRequest}`,
    );
  } finally {
    await stopServer?.();
    await counting.close();
    await client.end().catch(() => {});
    await scratch.drop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

process.once("SIGINT", () => void dropScratchDatabases().finally(() => process.exit(130)));
main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

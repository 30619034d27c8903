import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startPlatform, type Platform } from "../../src/cli/platform";
import { loadConfig } from "../../src/config";
import { openDatabase, type Database } from "../../src/db/database";
import { createRegistry } from "../../src/experiments/registry";
import { activeBackend, selectBackend } from "../../src/ml/backend";
import { startServer, type RunningServer } from "../../src/server";
import { startOwnPostgres, type OwnPostgres } from "../support/ownPostgres";

/**
 * PostgreSQL's connection limit reached by another client while the API serves: requests either
 * queue on the connections the API already holds or fail cleanly, and all succeed once it is freed.
 * On a server of this test's own (port 55434, max_connections 30), never the shared one.
 */
const PORT = Number(process.env.LOGOLAB_FAULT_PG_LIMIT_PORT ?? 55434);
const LIST = `{ experiments(first: 5) { totalCount nodes { id } } }`;

let own: OwnPostgres;
let home: string;
let database: Database;
let platform: Platform;
let server: RunningServer;
let viewerKey: string;
const hogs: pg.Client[] = [];

beforeAll(async () => {
  own = startOwnPostgres(PORT, { maxConnections: 30 });
  home = fs.mkdtempSync(path.join(os.tmpdir(), "logolab-fault-limit-"));
  const config = loadConfig({
    DATABASE_URL: await own.createDatabase("logolab_limit"),
    PORT: "0",
    LOGOLAB_HOME: home,
    LOGOLAB_WORKERS: "0",
    LOGOLAB_DEFAULT_DATASET: "false",
    LOGOLAB_LOG_LEVEL: "silent",
    LOGOLAB_DB_POOL_SIZE: "10",
  });
  database = await openDatabase(config);
  const registry = createRegistry(database.prisma);
  viewerKey = (await registry.apiKeys.create("VIEWER", "viewer")).secret;
  await selectBackend(config.mlBackend);
  platform = await startPlatform(config, database, { workerCount: 0, logError: () => {} });
  server = await startServer({
    config,
    database,
    registry,
    services: platform.services,
    mlBackend: activeBackend,
    logError: () => {},
    metrics: platform.metrics,
  });
}, 60_000);

afterAll(async () => {
  try {
    await Promise.all(hogs.map((client) => client.end().catch(() => undefined)));
    await server?.stop();
    await platform?.stop();
    await database?.close();
  } finally {
    own?.destroy();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  }
}, 60_000);

async function list() {
  try {
    const response = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${viewerKey}` },
      body: JSON.stringify({ query: LIST }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
    return { isAnswered: true, code: body.errors?.[0]?.extensions?.code, isOk: !body.errors && !!body.data };
  } catch {
    return { isAnswered: false, code: undefined, isOk: false };
  }
}

it("queues or fails cleanly while the connection limit is reached, and recovers when it is freed", async () => {
  // Warm the API's pool a little, then let another client take every connection left.
  await Promise.all(Array.from({ length: 4 }, () => list()));
  for (;;) {
    const client = new pg.Client({ connectionString: own.urlOf("logolab_limit") });
    try {
      await client.connect();
      hogs.push(client);
    } catch (error) {
      expect((error as { code?: string }).code ?? (error as Error).message).toMatch(
        /53300|too many clients|reserved/,
      );
      break;
    }
  }
  expect(hogs.length).toBeGreaterThan(0);

  const during = await Promise.all(Array.from({ length: 40 }, () => list()));
  expect(during.filter((answer) => !answer.isAnswered)).toEqual([]);
  for (const answer of during.filter((a) => !a.isOk)) expect(answer.code).toBe("INTERNAL_SERVER_ERROR");
  const health = await fetch(`${server.url}/healthz`);
  expect([200, 503]).toContain(health.status);

  await Promise.all(hogs.splice(0).map((client) => client.end()));
  const after = await Promise.all(Array.from({ length: 40 }, () => list()));
  expect(after.filter((answer) => !answer.isOk)).toEqual([]);
  console.log(
    `connection limit reached: ${during.filter((a) => a.isOk).length} of 40 concurrent queries served on the pool's connections, ` +
      `${during.filter((a) => !a.isOk).length} INTERNAL_SERVER_ERROR; after the limit was freed 40 of 40 served`,
  );
}, 120_000);

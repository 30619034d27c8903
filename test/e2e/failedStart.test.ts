import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { type EmbeddedDatabaseOwner } from "../../src/db/embeddedLock";
import { runCli, startServe } from "../support/cliProcess";

// A start that fails prints one line, releases what it opened (the embedded database's lock
// included) and exits non-zero within seconds, so a supervisor learns of it.

let home: string;
beforeAll(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-failed-start-"));
});
afterAll(async () => {
  await fs.rm(home, { recursive: true, force: true });
});

async function homeEntries(): Promise<string[]> {
  return (await fs.readdir(home)).sort();
}

it("exits 1 within 5 s when its port is taken, saying so in one line", async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
  const { port } = taken.address() as net.AddressInfo;
  try {
    const failed = await runCli(["serve"], { LOGOLAB_HOME: home, PORT: String(port) }, home);
    expect(failed.status).toBe(1);
    expect(failed.ms).toBeLessThan(5_000);
    expect(failed.output).toBe(
      `logolab: port 127.0.0.1:${port} is already in use: stop what listens there, or set PORT (0 = any free port)\n`,
    );
    expect(await homeEntries()).not.toContain("db.lock");
  } finally {
    taken.close();
  }
}, 30_000);

it("exits 1 within 5 s when the database does not answer, naming it in one line", async () => {
  const closedPort = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const url = `postgresql://postgres:secret@127.0.0.1:${closedPort}/logolab`;
  for (const command of ["serve", "worker"]) {
    const failed = await runCli([command], { LOGOLAB_HOME: home, PORT: "0", DATABASE_URL: url }, home);
    expect(failed.status).toBe(1);
    expect(failed.ms).toBeLessThan(5_000);
    expect(failed.output).toBe(
      `logolab: cannot reach the database at postgresql://postgres:***@127.0.0.1:${closedPort}/logolab: ` +
        `connect ECONNREFUSED 127.0.0.1:${closedPort}\n`,
    );
  }
}, 30_000);

it("exits 1 when the migrations are refused, saying why in one line and releasing the embedded database", async () => {
  // A migration recorded as failed (as a crash mid-migration leaves it) must stop every start.
  const serve = await startServe({ LOGOLAB_HOME: home, LOGOLAB_WORKERS: "0" }, home);
  const owner = JSON.parse(await fs.readFile(path.join(home, "db.lock"), "utf8")) as EmbeddedDatabaseOwner;
  const client = new pg.Client({
    connectionString: `postgresql://postgres@127.0.0.1:${owner.socket!.port}/postgres?sslmode=disable`,
  });
  await client.connect();
  await client.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at) VALUES ('x', 'x', '29991231000000_broken', now())`,
  );
  await client.end();
  expect((await serve.signal("SIGTERM")).status).toBe(0);

  const failed = await runCli(["serve"], { LOGOLAB_HOME: home, PORT: "0" }, home);
  expect(failed.status).toBe(1);
  expect(failed.ms).toBeLessThan(15_000);
  expect(failed.output).toBe(
    "logolab: Migration 29991231000000_broken failed earlier; fix the database and mark it resolved " +
      "(prisma migrate resolve) before migrating again\n",
  );
  expect(await homeEntries()).not.toContain("db.lock");
}, 120_000);

it("refuses `logolab worker` without DATABASE_URL in one line", async () => {
  const failed = await runCli(["worker"], { LOGOLAB_HOME: home }, home);
  expect(failed.status).toBe(1);
  expect(failed.output).toBe(
    "logolab: `logolab worker` needs DATABASE_URL: the embedded database is opened by one process only " +
      "(`logolab serve` runs its own workers: LOGOLAB_WORKERS)\n",
  );
}, 30_000);

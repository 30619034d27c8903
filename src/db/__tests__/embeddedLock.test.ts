import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  EmbeddedDatabaseInUseError,
  acquireEmbeddedDatabaseLock,
  lockPathOf,
  readEmbeddedDatabaseOwner,
  type EmbeddedDatabaseOwner,
} from "../embeddedLock";

// The racing processes load the built module, as the CLI does (`npm test` builds first).
const BUILT_LOCK = path.resolve(__dirname, "..", "..", "..", "dist", "db", "embeddedLock.js");

let home: string;
let dataDir: string;
let children: ChildProcess[] = [];
beforeEach(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-lock-"));
  dataDir = path.join(home, "db");
});
afterEach(async () => {
  for (const child of children) child.kill("SIGKILL");
  children = [];
  await fs.rm(home, { recursive: true, force: true });
});

/** A process that stays alive until killed. */
function sleeper(): ChildProcess {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  children.push(child);
  return child;
}

/** The pid of a process that has exited. */
async function goneProcessPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid!;
}

function ownerRecord(pid: number, fields: Partial<EmbeddedDatabaseOwner> = {}): EmbeddedDatabaseOwner {
  return {
    pid,
    hostname: os.hostname(),
    processStartTicks: null,
    command: "logolab serve",
    since: "2026-01-02T03:04:05.000Z",
    token: `token-of-${pid}`,
    ...fields,
  };
}

async function writeLock(owner: EmbeddedDatabaseOwner): Promise<void> {
  await fs.writeFile(lockPathOf(dataDir), JSON.stringify(owner));
}

it("keeps the lock beside the data directory: $LOGOLAB_HOME/db.lock", () => {
  expect(lockPathOf("/srv/logolab/db")).toBe("/srv/logolab/db.lock");
});

it("takes a free lock, records this process in it, and removes it on release", async () => {
  const lock = await acquireEmbeddedDatabaseLock(dataDir, "logolab keys list");
  const recorded = JSON.parse(await fs.readFile(lockPathOf(dataDir), "utf8")) as EmbeddedDatabaseOwner;
  expect(recorded).toMatchObject({ pid: process.pid, hostname: os.hostname(), command: "logolab keys list" });
  expect(await readEmbeddedDatabaseOwner(dataDir)).toEqual(recorded);
  await lock.release();
  expect(existsSync(lockPathOf(dataDir))).toBe(false);
  expect(await readEmbeddedDatabaseOwner(dataDir)).toBeNull();
});

it("refuses a lock held by a live process, naming it, its socket and both ways out", async () => {
  await fs.mkdir(home, { recursive: true });
  const holder = sleeper();
  await writeLock(
    ownerRecord(holder.pid!, { socket: { host: "127.0.0.1", port: 40001 }, apiUrl: "http://127.0.0.1:4000" }),
  );
  const refusal = acquireEmbeddedDatabaseLock(dataDir, "logolab serve");
  await expect(refusal).rejects.toBeInstanceOf(EmbeddedDatabaseInUseError);
  await expect(refusal).rejects.toThrow(
    `the embedded database ${dataDir} is in use by \`logolab serve\` (pid ${holder.pid}, ` +
      `API http://127.0.0.1:4000, database socket 127.0.0.1:40001, since 2026-01-02T03:04:05.000Z); ` +
      `one process at a time may open it: stop that process (Ctrl-C, or kill -TERM ${holder.pid}), ` +
      `or set DATABASE_URL to use a PostgreSQL server`,
  );
});

it("refuses a second open in the same process", async () => {
  const lock = await acquireEmbeddedDatabaseLock(dataDir, "first");
  await expect(acquireEmbeddedDatabaseLock(dataDir, "second")).rejects.toBeInstanceOf(
    EmbeddedDatabaseInUseError,
  );
  await lock.release();
});

it("takes over the lock of a process that is gone", async () => {
  await writeLock(ownerRecord(await goneProcessPid()));
  const lock = await acquireEmbeddedDatabaseLock(dataDir, "logolab serve");
  expect(lock.owner.pid).toBe(process.pid);
  expect((await readEmbeddedDatabaseOwner(dataDir))?.token).toBe(lock.owner.token);
  await lock.release();
});

it("takes over a lock whose pid now belongs to a process that started later (a reused pid)", async () => {
  const unrelated = sleeper();
  await new Promise((resolve) => setTimeout(resolve, 100));
  await writeLock(ownerRecord(unrelated.pid!, { processStartTicks: 1 }));
  const lock = await acquireEmbeddedDatabaseLock(dataDir, "logolab serve");
  expect(lock.owner.pid).toBe(process.pid);
  await lock.release();
});

it("refuses a lock taken on another host: its process cannot be checked from here", async () => {
  await writeLock(ownerRecord(await goneProcessPid(), { hostname: "elsewhere" }));
  await expect(acquireEmbeddedDatabaseLock(dataDir, "logolab serve")).rejects.toThrow(
    `(if that process is gone, delete ${lockPathOf(dataDir)})`,
  );
});

it("waits for a lock being written, and takes over one a crash left empty", async () => {
  await fs.writeFile(lockPathOf(dataDir), "");
  const old = new Date(Date.now() - 60_000);
  await fs.utimes(lockPathOf(dataDir), old, old);
  const lock = await acquireEmbeddedDatabaseLock(dataDir, "logolab serve");
  expect(lock.owner.pid).toBe(process.pid);
  await lock.release();
});

it("publishes the owner's socket and API for other processes, keeping its identity", async () => {
  const lock = await acquireEmbeddedDatabaseLock(dataDir, "logolab serve");
  await lock.publish({ socket: { host: "127.0.0.1", port: 40002 } });
  await lock.publish({ apiUrl: "http://127.0.0.1:4000" });
  expect(await readEmbeddedDatabaseOwner(dataDir)).toEqual({
    ...lock.owner,
    socket: { host: "127.0.0.1", port: 40002 },
    apiUrl: "http://127.0.0.1:4000",
  });
  await lock.release();
  expect(await fs.readdir(home)).toEqual([]);
});

it("does not remove a lock that another process took after this one's was taken over", async () => {
  const lock = await acquireEmbeddedDatabaseLock(dataDir, "logolab serve");
  const other = sleeper();
  await writeLock(ownerRecord(other.pid!));
  await lock.release();
  expect((await readEmbeddedDatabaseOwner(dataDir))?.pid).toBe(other.pid);
});

/**
 * Starts `count` processes at once that each try to take the lock and report `won` or `refused`;
 * a winner keeps the lock until the test kills it, so a late starter cannot win after it.
 */
async function race(count: number): Promise<string[]> {
  const script = `
    const { acquireEmbeddedDatabaseLock } = require(${JSON.stringify(BUILT_LOCK)});
    acquireEmbeddedDatabaseLock(${JSON.stringify(dataDir)}, "racer " + process.pid).then(
      () => { console.log("won"); setInterval(() => {}, 1000); },
      (error) => console.log(error.name === "EmbeddedDatabaseInUseError" ? "refused" : "error " + error.message),
    );`;
  const results = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    return new Promise<string>((resolve) =>
      child.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString().trim())),
    );
  });
  return (await Promise.all(results)).sort();
}

it("lets exactly one of 8 processes racing for a free lock win", async () => {
  expect(await race(8)).toEqual([
    "refused",
    "refused",
    "refused",
    "refused",
    "refused",
    "refused",
    "refused",
    "won",
  ]);
}, 30_000);

it("lets exactly one of 8 processes racing to take over a stale lock win", async () => {
  await writeLock(ownerRecord(await goneProcessPid()));
  expect(await race(8)).toEqual([
    "refused",
    "refused",
    "refused",
    "refused",
    "refused",
    "refused",
    "refused",
    "won",
  ]);
}, 30_000);

import { randomUUID } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/** Who holds an embedded database, as its lock file says. */
export interface EmbeddedDatabaseOwner {
  pid: number;
  hostname: string;
  /** When the process started (Linux: clock ticks after boot), so a reused pid is not taken for it. */
  processStartTicks: number | null;
  /** What the owner runs, e.g. `logolab serve`. */
  command: string;
  /** ISO time the lock was taken. */
  since: string;
  /** Unique per acquisition: a lock file is ours only if it carries our token. */
  token: string;
  /** The owner's PostgreSQL socket, published once it lets other LogoLab commands in. */
  socket?: { host: string; port: number };
  /** The owner's API, once it listens (`serve`). */
  apiUrl?: string;
}

/** Details an owner publishes in its lock file for other processes to read. */
export type PublishedOwnerDetails = Pick<EmbeddedDatabaseOwner, "socket" | "apiUrl">;

/** The lock file of the embedded database in `dataDir`: `$LOGOLAB_HOME/db.lock` for `$LOGOLAB_HOME/db`. */
export function lockPathOf(dataDir: string): string {
  return `${path.resolve(dataDir)}.lock`;
}

function describeOwner(owner: EmbeddedDatabaseOwner): string {
  const details = [`pid ${owner.pid}`];
  if (owner.hostname !== os.hostname()) details.push(`on host ${owner.hostname}`);
  if (owner.apiUrl) details.push(`API ${owner.apiUrl}`);
  if (owner.socket) details.push(`database socket ${owner.socket.host}:${owner.socket.port}`);
  details.push(`since ${owner.since}`);
  return `\`${owner.command}\` (${details.join(", ")})`;
}

/** The embedded database is open in another process (or, earlier, in this one). */
export class EmbeddedDatabaseInUseError extends Error {
  constructor(
    readonly dataDir: string,
    readonly owner: EmbeddedDatabaseOwner,
  ) {
    const isElsewhere = owner.hostname !== os.hostname();
    super(
      `the embedded database ${dataDir} is in use by ${describeOwner(owner)}; one process at a time ` +
        `may open it: stop that process (Ctrl-C, or kill -TERM ${owner.pid}), or set DATABASE_URL to ` +
        `use a PostgreSQL server` +
        (isElsewhere ? ` (if that process is gone, delete ${lockPathOf(dataDir)})` : ""),
    );
    this.name = "EmbeddedDatabaseInUseError";
  }
}

/** Fields 3… of /proc/<pid>/stat (after the parenthesised command name), or null off Linux. */
function procStatFields(pid: number): string[] | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

function processStartTicks(pid: number): number | null {
  const starttime = procStatFields(pid)?.[19]; // field 22 of stat(5)
  return starttime === undefined ? null : Number(starttime);
}

/** Lock files this process holds (a second open in the same process is refused like any other). */
const heldHere = new Set<string>();

/**
 * Whether the process a lock names still runs: its pid exists and is not a zombie, and it started
 * when the lock says (else the pid was reused). A lock from another host cannot be checked and
 * counts as alive.
 */
export function isOwnerAlive(owner: EmbeddedDatabaseOwner, lockPath: string): boolean {
  if (owner.hostname !== os.hostname()) return true;
  if (owner.pid === process.pid) return heldHere.has(lockPath);
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  const fields = procStatFields(owner.pid);
  if (fields === null) return true;
  if (fields[0] === "Z" || fields[0] === "X") return false;
  return owner.processStartTicks === null || processStartTicks(owner.pid) === owner.processStartTicks;
}

/** A lock file as found: its owner, or bytes that are not (yet) a whole owner record. */
type FoundLock =
  | { kind: "missing" }
  | { kind: "owner"; owner: EmbeddedDatabaseOwner; raw: string }
  | { kind: "unreadable"; raw: string; ageMs: number };

async function readLock(lockPath: string): Promise<FoundLock> {
  let raw: string;
  let ageMs: number;
  try {
    [raw, ageMs] = await Promise.all([
      fsp.readFile(lockPath, "utf8"),
      fsp.stat(lockPath).then((stat) => Date.now() - stat.mtimeMs),
    ]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    throw error;
  }
  try {
    const owner = JSON.parse(raw) as EmbeddedDatabaseOwner;
    if (Number.isInteger(owner.pid) && typeof owner.token === "string") return { kind: "owner", owner, raw };
  } catch {
    // A lock being written (open and write are two steps) or cut short by a crash.
  }
  return { kind: "unreadable", raw, ageMs };
}

/** The live owner of the embedded database in `dataDir`, or null when none holds it. */
export async function readEmbeddedDatabaseOwner(dataDir: string): Promise<EmbeddedDatabaseOwner | null> {
  const lockPath = lockPathOf(dataDir);
  const found = await readLock(lockPath);
  return found.kind === "owner" && isOwnerAlive(found.owner, lockPath) ? found.owner : null;
}

/** How long a lock file may stay unreadable (being written) before it counts as a crashed writer's. */
const TORN_LOCK_GRACE_MS = 2_000;
/** A takeover file this old belongs to a process that died during its few-millisecond takeover. */
const STALE_TAKEOVER_MS = 10_000;
/** Longest an acquisition retries while locks are being written, taken over or released. */
const ACQUIRE_PATIENCE_MS = 5_000;
const RETRY_MS = 25;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates the lock file with `owner` unless it exists (O_EXCL: of racing creators, exactly one wins). */
async function tryCreate(lockPath: string, owner: EmbeddedDatabaseOwner): Promise<boolean> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(lockPath, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    await handle.writeFile(JSON.stringify(owner));
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Removes a lock whose owner is gone. Only the holder of `<lock>.takeover` (created with O_EXCL)
 * may remove it, and only while it still holds the bytes judged stale, so a racer can never remove
 * a lock another process has just taken.
 */
async function removeStaleLock(lockPath: string, staleRaw: string): Promise<void> {
  const takeoverPath = `${lockPath}.takeover`;
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(takeoverPath, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const stat = await fsp.stat(takeoverPath).catch(() => null);
    if (stat && Date.now() - stat.mtimeMs > STALE_TAKEOVER_MS) await fsp.rm(takeoverPath, { force: true });
    await sleep(RETRY_MS);
    return;
  }
  try {
    await handle.writeFile(String(process.pid));
    const current = await fsp.readFile(lockPath, "utf8").catch(() => null);
    if (current === staleRaw) await fsp.unlink(lockPath);
  } finally {
    await handle.close();
    await fsp.rm(takeoverPath, { force: true });
  }
}

/** A held lock on an embedded database; released when the database closes (or the process exits). */
export class EmbeddedDatabaseLock {
  private isReleased = false;

  constructor(
    readonly lockPath: string,
    private current: EmbeddedDatabaseOwner,
  ) {
    heldHere.add(lockPath);
    process.on("exit", this.releaseOnExit);
  }

  get owner(): EmbeddedDatabaseOwner {
    return this.current;
  }

  /** Adds `details` to the lock file (written aside and renamed over it: readers never see half). */
  async publish(details: PublishedOwnerDetails): Promise<void> {
    if (this.isReleased) return;
    this.current = { ...this.current, ...details };
    const temporary = `${this.lockPath}.${this.current.token}.tmp`;
    await fsp.writeFile(temporary, JSON.stringify(this.current), { mode: 0o644 });
    await fsp.rename(temporary, this.lockPath);
  }

  /** Removes the lock file if it is still ours. */
  async release(): Promise<void> {
    if (this.isReleased) return;
    this.isReleased = true;
    process.removeListener("exit", this.releaseOnExit);
    heldHere.delete(this.lockPath);
    const found = await readLock(this.lockPath);
    if (found.kind === "owner" && found.owner.token === this.current.token) {
      await fsp.rm(this.lockPath, { force: true });
    }
  }

  // An exit without closing (a second Ctrl-C, the shutdown deadline) leaves no database open after it.
  private readonly releaseOnExit = () => {
    try {
      const owner = JSON.parse(fs.readFileSync(this.lockPath, "utf8")) as EmbeddedDatabaseOwner;
      if (owner.token === this.current.token) fs.rmSync(this.lockPath, { force: true });
    } catch {
      // Gone or unreadable: nothing of ours to remove.
    }
  };
}

/**
 * Takes the lock of the embedded database in `dataDir` for `command`, taking over a lock whose
 * process is gone. Throws {@link EmbeddedDatabaseInUseError} when a live process holds it.
 */
export async function acquireEmbeddedDatabaseLock(
  dataDir: string,
  command: string,
): Promise<EmbeddedDatabaseLock> {
  const lockPath = lockPathOf(dataDir);
  await fsp.mkdir(path.dirname(lockPath), { recursive: true });
  const giveUpAt = Date.now() + ACQUIRE_PATIENCE_MS;
  for (;;) {
    const owner: EmbeddedDatabaseOwner = {
      pid: process.pid,
      hostname: os.hostname(),
      processStartTicks: processStartTicks(process.pid),
      command,
      since: new Date().toISOString(),
      token: randomUUID(),
    };
    if (await tryCreate(lockPath, owner)) return new EmbeddedDatabaseLock(lockPath, owner);
    const found = await readLock(lockPath);
    if (found.kind === "owner" && isOwnerAlive(found.owner, lockPath)) {
      throw new EmbeddedDatabaseInUseError(path.resolve(dataDir), found.owner);
    }
    if (Date.now() > giveUpAt) {
      throw new Error(`could not take the lock ${lockPath} (it keeps changing); try again`);
    }
    if (found.kind === "owner" || (found.kind === "unreadable" && found.ageMs > TORN_LOCK_GRACE_MS)) {
      await removeStaleLock(lockPath, found.raw);
    } else if (found.kind === "unreadable") {
      await sleep(RETRY_MS);
    }
  }
}

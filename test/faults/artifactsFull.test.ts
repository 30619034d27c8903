import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createExperimentWithDataset, START_RUN, TINY_RUN } from "../support/runFixtures";
import { startTestServer, type TestServer } from "../support/testServer";
import { waitFor } from "../support/waitFor";

/**
 * A full artifacts disk: the artifacts directory is its own small tmpfs, filled up to
 * {@link FREE_BYTES} before the run, so the first checkpoint write fails with the kernel's own
 * ENOSPC. Mounting needs CAP_SYS_ADMIN (root here and in CI); where it is refused the case is
 * reported skipped — the unwritable-directory case beside it still runs everywhere.
 */
const MOUNT_BYTES = 64 * 1024 * 1024;
/** Less than one AlexNet-lite checkpoint (its weights alone are megabytes). */
const FREE_BYTES = 96 * 1024;

function mountTmpfs(target: string): void {
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${MOUNT_BYTES}`, "logolab-full-disk", target], {
    stdio: "ignore",
  });
}

/** Whether this process may mount a tmpfs (probed once, synchronously, so the case can be skipped). */
function canMountTmpfs(): boolean {
  const probe = mkdtempSync(path.join(os.tmpdir(), "logolab-mount-probe-"));
  try {
    mountTmpfs(probe);
    execFileSync("umount", [probe], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const isMountable = canMountTmpfs();
if (!isMountable)
  console.warn("artifactsFull: cannot mount a tmpfs here (needs CAP_SYS_ADMIN); case skipped");
const itWithTmpfs = isMountable ? it : it.skip;

let tmp: string;
let mountPoint: string;
let isMounted = false;
let server: TestServer | undefined;

async function freeBytes(target: string): Promise<number> {
  const stats = await fs.statfs(target);
  return stats.bavail * stats.bsize;
}

/** Every path under `dir`, relative to it. */
async function listTree(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { recursive: true });
  return entries.map(String).sort();
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-fault-full-"));
  mountPoint = path.join(tmp, "artifacts");
  await fs.mkdir(mountPoint);
  if (!isMountable) return;
  mountTmpfs(mountPoint);
  isMounted = true;
  const filler = path.join(mountPoint, "filler.bin");
  await fs.writeFile(filler, Buffer.alloc((await freeBytes(mountPoint)) - FREE_BYTES));
  server = await startTestServer({ LOGOLAB_WORKERS: "1", LOGOLAB_ARTIFACTS_DIR: mountPoint });
});

afterAll(async () => {
  await server?.stop();
  if (isMounted) execFileSync("umount", ["-l", mountPoint], { stdio: "ignore" });
  await fs.rm(tmp, { recursive: true, force: true });
});

async function runToEnd(experimentId: string): Promise<string> {
  const started = await server!.gql<{ startRun: { id: string } }>(
    START_RUN,
    { input: { experimentId, hyperparameters: { ...TINY_RUN, epochs: 2 } } },
    server!.keys.engineer,
  );
  const runId = started.data!.startRun.id;
  await waitFor(async () => {
    const status = (await server!.db.database.prisma.run.findUnique({ where: { id: runId } }))?.status;
    return status === "FAILED" || status === "SUCCEEDED";
  }, 120_000);
  return runId;
}

itWithTmpfs(
  "fails the run with ENOSPC, leaves no half-written checkpoint, and trains again once space is freed",
  async () => {
    const prisma = server!.db.database.prisma;
    const experimentId = await createExperimentWithDataset(server!, "full-disk", tmp, {
      train: 4,
      val: 2,
      test: 1,
    });

    const failedId = await runToEnd(experimentId);
    const failed = await prisma.run.findUniqueOrThrow({ where: { id: failedId } });
    expect(failed.status).toBe("FAILED");
    expect(failed.error).toMatch(/ENOSPC|no space left/i);
    expect(failed.error).toContain(mountPoint);
    expect(await prisma.checkpoint.count({ where: { runId: failedId } })).toBe(0);
    expect(await prisma.epochMetric.count({ where: { runId: failedId } })).toBe(0);
    // No staging folder or checkpoint manifest was left behind to hold space or be mistaken for one.
    const left = await listTree(mountPoint);
    expect(left.filter((entry) => /\.tmp$|manifest\.json$/.test(entry))).toEqual([]);

    // Space freed: the same server trains the next run to the end (nothing stuck, nothing to restart).
    await fs.rm(path.join(mountPoint, "filler.bin"));
    const nextId = await runToEnd(experimentId);
    const next = await prisma.run.findUniqueOrThrow({ where: { id: nextId } });
    expect({ status: next.status, error: next.error }).toEqual({ status: "SUCCEEDED", error: null });
    expect(await prisma.checkpoint.count({ where: { runId: nextId } })).toBeGreaterThan(0);
    const res = await server!.gql<{ run: { status: string; error: string } }>(
      `query($id: ID!) { run(id: $id) { status error } }`,
      { id: failedId },
      server!.keys.viewer,
    );
    expect(res.data!.run).toEqual({ status: "FAILED", error: failed.error });
    console.log(
      `full artifacts disk: run FAILED with "${failed.error}"; after freeing space the next run SUCCEEDED`,
    );
  },
  300_000,
);

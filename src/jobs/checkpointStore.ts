import fs from "node:fs/promises";
import path from "node:path";
import { readManifest } from "../ml/checkpoint";
import type { CheckpointRecord } from "../experiments/runLifecycle";

/** Directory of one run's checkpoints under the artifacts root. */
export function runCheckpointDir(artifactsDir: string, runId: string): string {
  return path.join(artifactsDir, "runs", runId);
}

async function directoryBytes(dir: string): Promise<number> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  const sizes = await Promise.all(
    entries.map(async (e) =>
      e.isDirectory() ? directoryBytes(path.join(dir, e.name)) : (await fs.stat(path.join(dir, e.name))).size,
    ),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

/**
 * Freezes the run's current `best/` checkpoint as `epoch-NNN/` (training overwrites `best/` when a
 * later epoch wins; aliases must keep serving the files they point at) and describes it.
 */
export async function freezeBestCheckpoint(runDir: string, epoch: number): Promise<CheckpointRecord> {
  const target = path.join(runDir, `epoch-${String(epoch).padStart(3, "0")}`);
  await fs.rm(target, { recursive: true, force: true });
  await fs.cp(path.join(runDir, "best"), target, { recursive: true });
  const manifest = await readManifest(target);
  if (manifest.epoch !== epoch)
    throw new Error(`best checkpoint holds epoch ${manifest.epoch}, expected ${epoch}`);
  return {
    path: target,
    bytes: await directoryBytes(target),
    sha256: manifest.weightsSha256,
    metrics: manifest.metrics,
  };
}

import fs from "node:fs/promises";
import path from "node:path";
import type { DeletedRun } from "../experiments/deletion";
import type { Registry } from "../experiments/registry";
import type { FeatureCacheKey } from "../ml/featureCache";
import { runCheckpointDir } from "./checkpointStore";
import { featureCacheUsesOf, isEntryOf, unusedEntries, type FeatureCacheUse } from "./featureCacheUsage";
import type { TrainingQueue } from "./trainingQueue";

/** Where LogoLab keeps files that rows point at. */
export interface StorageLocations {
  artifactsDir: string;
  cacheDir: string;
  datasetsDir: string;
}

/** What a deletion removed. */
export interface DeletionOutcome {
  runIds: string[];
  /** Files and directories removed (checkpoints, feature caches, a managed dataset copy). */
  removedPaths: string[];
  removedFeatureCaches: number;
  /** pg-boss jobs (waiting or archived) that carried the deleted runs. */
  removedQueueJobs: number;
}

/** `target` if it lies strictly inside `root`, else null (never remove outside LogoLab's folders). */
function inside(root: string, target: string): string | null {
  const resolved = path.resolve(target);
  const relative = path.relative(path.resolve(root), resolved);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? resolved : null;
}

async function exists(target: string): Promise<boolean> {
  return fs.stat(target).then(
    () => true,
    () => false,
  );
}

/** Every complete feature-cache entry under `cacheDir`: its directory and key. */
async function featureCacheEntries(cacheDir: string): Promise<{ directory: string; key: FeatureCacheKey }[]> {
  const root = path.join(cacheDir, "features");
  const names = await fs.readdir(root).catch(() => [] as string[]);
  const entries = await Promise.all(
    names
      // Entries being written are staged as `<hash>.<pid>.tmp`: not ours to judge.
      .filter((name) => !name.endsWith(".tmp"))
      .map(async (name) => {
        const directory = path.join(root, name);
        try {
          const index = JSON.parse(await fs.readFile(path.join(directory, "index.json"), "utf8")) as {
            key: FeatureCacheKey;
          };
          return { directory, key: index.key };
        } catch {
          return null;
        }
      }),
  );
  return entries.filter((e) => e !== null);
}

/**
 * `deleteRun` / `deleteExperiment` / `deleteDataset` end to end: the rows first, in one transaction
 * with their checks (`experiments/deletion.ts`); then what only those rows pointed at — checkpoint
 * directories, the queue's jobs of the runs, feature-cache entries no remaining run reads, a
 * managed dataset copy. Files go after the commit: a crash in between leaves unreferenced files,
 * never a row whose files are gone.
 */
export class StorageDeletion {
  constructor(
    private readonly registry: Registry,
    private readonly queue: TrainingQueue,
    private readonly locations: StorageLocations,
    private readonly logError: (error: unknown) => void = console.error,
  ) {}

  async deleteRun(id: string): Promise<DeletionOutcome> {
    return this.reclaimRuns([await this.registry.deletion.deleteRun(id)]);
  }

  async deleteExperiment(id: string): Promise<DeletionOutcome> {
    return this.reclaimRuns(await this.registry.deletion.deleteExperiment(id));
  }

  async deleteDataset(id: string): Promise<DeletionOutcome> {
    const deleted = await this.registry.deletion.deleteDataset(id);
    const removedPaths: string[] = [];
    const copy = inside(this.locations.datasetsDir, deleted.rootPath);
    if (copy && !(await this.registry.deletion.isRootShared(deleted.rootPath))) {
      await this.remove(copy, removedPaths);
    }
    let removedFeatureCaches = 0;
    if (deleted.contentHash) {
      const hash = deleted.contentHash;
      removedFeatureCaches = await this.removeUnusedFeatureCaches(
        [hash],
        (key) => key.datasetVersion === hash,
        removedPaths,
      );
    }
    return { runIds: [], removedPaths, removedFeatureCaches, removedQueueJobs: 0 };
  }

  private async reclaimRuns(runs: DeletedRun[]): Promise<DeletionOutcome> {
    const removedPaths: string[] = [];
    for (const run of runs) {
      const directories = [runCheckpointDir(this.locations.artifactsDir, run.id), ...run.checkpointPaths];
      for (const directory of directories) {
        const target = inside(this.locations.artifactsDir, directory);
        if (target) await this.remove(target, removedPaths);
      }
    }
    const runIds = runs.map((r) => r.id);
    const removedQueueJobs = await this.queue.deleteJobsOfRuns(runIds).catch((error: unknown) => {
      this.logError(error);
      return 0;
    });
    const deletedUses: FeatureCacheUse[] = runs.flatMap((run) =>
      run.datasetContentHash ? featureCacheUsesOf(run.hyperparameters, run.datasetContentHash) : [],
    );
    const hashes = [...new Set(deletedUses.map((u) => u.datasetVersion))];
    const removedFeatureCaches = await this.removeUnusedFeatureCaches(
      hashes,
      (key) => deletedUses.some((use) => isEntryOf(key, use)),
      removedPaths,
    );
    return { runIds, removedPaths, removedFeatureCaches, removedQueueJobs };
  }

  /** Removes entries that `wasUsed` by what was deleted and that no remaining run reads. */
  private async removeUnusedFeatureCaches(
    contentHashes: string[],
    wasUsed: (key: FeatureCacheKey) => boolean,
    removedPaths: string[],
  ): Promise<number> {
    if (contentHashes.length === 0) return 0;
    const entries = await featureCacheEntries(this.locations.cacheDir);
    if (entries.length === 0) return 0;
    const remainingUses = (await this.registry.deletion.cacheUsers(contentHashes)).flatMap((user) =>
      featureCacheUsesOf(user.hyperparameters, user.datasetContentHash),
    );
    const unused = new Set(
      unusedEntries(
        entries.map((e) => e.key),
        wasUsed,
        remainingUses,
      ),
    );
    let count = 0;
    for (const entry of entries.filter((e) => unused.has(e.key))) {
      const target = inside(this.locations.cacheDir, entry.directory);
      if (target) {
        await this.remove(target, removedPaths);
        count++;
      }
    }
    return count;
  }

  private async remove(target: string, removedPaths: string[]): Promise<void> {
    if (!(await exists(target))) return;
    try {
      await fs.rm(target, { recursive: true, force: true });
      removedPaths.push(target);
    } catch (error) {
      // The rows are gone already; a file that cannot be removed now is logged, not fatal.
      this.logError(error);
    }
  }
}

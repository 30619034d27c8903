import type { DatasetRegistry } from "../experiments/datasets";
import { ProgressThrottle } from "../progressThrottle";

/** How often a preparation writes its progress and proves it is alive. */
export interface PreparationProgressTiming {
  /** Least time between two progress writes, ms. */
  intervalMs: number;
  /** Time between two writes while nothing progresses (queued, loading artwork), ms. */
  heartbeatMs: number;
}

/**
 * Writes one dataset preparation's progress to the registry: throttled, one write at a time, and
 * repeated on a heartbeat so `updatedAt` shows other processes the preparation is alive.
 */
export class PreparationProgress {
  private readonly throttle: ProgressThrottle;
  private readonly heartbeat: NodeJS.Timeout;
  private latest = 0;
  private writes: Promise<void> = Promise.resolve();
  private isStopped = false;

  constructor(
    private readonly registry: DatasetRegistry,
    private readonly datasetId: string,
    timing: PreparationProgressTiming,
    private readonly logError: (error: unknown) => void,
  ) {
    this.throttle = new ProgressThrottle(timing.intervalMs);
    this.heartbeat = setInterval(() => this.write(), timing.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Records the share done (0–1); written at most once per interval. */
  report(progress: number): void {
    this.latest = Math.min(1, Math.max(0, progress));
    if (this.throttle.shouldEmit()) this.write();
  }

  /** Stops writing and waits for the writes under way, so none lands after the final status. */
  async stop(): Promise<void> {
    this.isStopped = true;
    clearInterval(this.heartbeat);
    await this.writes;
  }

  private write(): void {
    if (this.isStopped) return;
    const progress = Math.round(this.latest * 1000) / 1000;
    this.writes = this.writes
      .then(() => this.registry.reportProgress(this.datasetId, progress))
      .catch(this.logError);
  }
}

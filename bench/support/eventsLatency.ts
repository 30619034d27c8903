import type { SubscriberLog } from "./eventsSubscribers";

/** Commit time of one epoch row (epoch_metrics.created_at), ms since the Unix epoch. */
export interface EpochCommit {
  epoch: number;
  committedAtMs: number;
}

/**
 * Throws unless every subscriber saw the run from before its first epoch, got epochs 1..`epochs`
 * exactly once each and in order, and ended on `SUCCEEDED`. The message lists the first offenders.
 */
export function checkEveryEpochInOrder(logs: SubscriberLog[], epochs: number): void {
  const expected = Array.from({ length: epochs }, (_, i) => i + 1).join(",");
  const problems = logs.flatMap((log) => {
    const seen = log.epochs.map((r) => r.epoch).join(",");
    const found: string[] = [];
    if (log.snapshotEpoch !== null) found.push(`snapshot already at epoch ${log.snapshotEpoch}`);
    if (seen !== expected) found.push(`epochs [${seen}], expected [${expected}]`);
    if (log.finalStatus !== "SUCCEEDED") found.push(`final status ${log.finalStatus}`);
    return found.map((problem) => `subscriber ${log.subscriber}: ${problem}`);
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join("\n  ");
    throw new Error(`${problems.length} delivery problem(s):\n  ${shown}`);
  }
}

/** Receive time − commit time (ms) of every subscriber × epoch pair. */
export function deliveryLatenciesMs(logs: SubscriberLog[], commits: EpochCommit[]): number[] {
  const committedAt = new Map(commits.map((c) => [c.epoch, c.committedAtMs]));
  return logs.flatMap((log) =>
    log.epochs.map((receipt) => {
      const commitMs = committedAt.get(receipt.epoch);
      if (commitMs === undefined) throw new Error(`epoch ${receipt.epoch} has no row in epoch_metrics`);
      return receipt.receivedAtMs - commitMs;
    }),
  );
}

/** Nearest-rank percentile (`p` in 0–100) of `values`; NaN when empty. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}

/** When an epoch's event reached its first and its last subscriber, ms after the commit. */
export interface EpochFanOut {
  epoch: number;
  firstMs: number;
  lastMs: number;
}

/** Per epoch: latency to the first subscriber (the NOTIFY path) and to the last (plus fan-out). */
export function fanOutPerEpoch(logs: SubscriberLog[], commits: EpochCommit[]): EpochFanOut[] {
  return commits.map(({ epoch, committedAtMs }) => {
    const latencies = logs.flatMap((log) =>
      log.epochs.filter((r) => r.epoch === epoch).map((r) => r.receivedAtMs - committedAtMs),
    );
    return { epoch, firstMs: Math.min(...latencies), lastMs: Math.max(...latencies) };
  });
}

/** Where an epoch event's time goes before its first subscriber has it (ms). */
export interface EpochStages {
  epoch: number;
  /** created_at → the worker publishes: rest of the recording transaction, commit, return. */
  toPublishMs: number;
  /** publish → back at this process's bus: pg_notify, LISTEN delivery. */
  toBusMs: number;
  /** bus → first subscriber: subscription iterator, GraphQL execution (epoch row read), websocket. */
  toFirstSubscriberMs: number;
}

/** Splits each epoch's commit → first-subscriber latency at the publish and bus-arrival stamps. */
export function epochStages(
  commits: EpochCommit[],
  fanOut: EpochFanOut[],
  tapped: { epoch: number | null; publishedAtMs: number; tappedAtMs: number }[],
): EpochStages[] {
  return commits.map(({ epoch, committedAtMs }) => {
    const atBus = tapped.find((e) => e.epoch === epoch);
    const first = fanOut.find((f) => f.epoch === epoch);
    if (!atBus || !first) throw new Error(`epoch ${epoch} never reached the bus tap or a subscriber`);
    return {
      epoch,
      toPublishMs: atBus.publishedAtMs - committedAtMs,
      toBusMs: atBus.tappedAtMs - atBus.publishedAtMs,
      toFirstSubscriberMs: committedAtMs + first.firstMs - atBus.tappedAtMs,
    };
  });
}

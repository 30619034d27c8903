import { NotFoundError } from "../errors";
import type { Registry } from "../experiments/registry";
import { isTerminalRunStatus, type RunEventKind, type RunStatus } from "../vocabulary";
import type { BatchProgressMessage, EventBus } from "./events";

/** One item of a run's progress stream; the API reads details (run, epoch metrics) from the database. */
export interface RunProgressEvent {
  kind: RunEventKind;
  runId: string;
  at: Date;
  status: string | null;
  epoch: number | null;
  progress: BatchProgressMessage | null;
}

/**
 * Follows a run: first its current state (SNAPSHOT, so a late subscriber catches up), then every
 * later event, ending after the run reaches a final state. Subscribes before reading the snapshot so
 * nothing falls in between; epochs already in the snapshot are not repeated.
 */
export async function* followRun(
  registry: Registry,
  bus: EventBus,
  runId: string,
): AsyncGenerator<RunProgressEvent> {
  if (!(await registry.runs.get(runId))) throw new NotFoundError("Run", runId);
  const events = bus.subscribe(runId);
  try {
    const run = (await registry.runs.get(runId))!;
    const [epochs] = await registry.runs.epochsOfRuns([runId]);
    let lastEpoch = epochs.at(-1)?.epoch ?? 0;
    yield {
      kind: "SNAPSHOT",
      runId,
      at: new Date(),
      status: run.status,
      epoch: lastEpoch || null,
      progress: null,
    };
    if (isTerminalRunStatus(run.status)) return;
    for await (const event of events) {
      if (event.kind === "EPOCH") {
        if ((event.epoch ?? 0) <= lastEpoch) continue;
        lastEpoch = event.epoch!;
      }
      yield {
        kind: event.kind,
        runId,
        at: new Date(event.at),
        status: event.status ?? null,
        epoch: event.epoch ?? null,
        progress: event.progress ?? null,
      };
      if (event.kind === "STATUS" && isTerminalRunStatus(event.status as RunStatus)) return;
    }
  } finally {
    await events.return?.();
  }
}

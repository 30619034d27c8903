import type { EventBus, PublishedRunEventKind } from "../../src/jobs/events";

/** A run event as it arrived at this process's event bus (after the NOTIFY round trip). */
export interface TappedEvent {
  kind: PublishedRunEventKind;
  epoch: number | null;
  /** When the worker published it (the message's `at`), ms since the Unix epoch. */
  publishedAtMs: number;
  /** When the bus handed it to this tap, ms since the Unix epoch. */
  tappedAtMs: number;
}

/** A listener on the bus, beside the GraphQL subscribers, timing each event's way in. */
export interface BusTap {
  events: TappedEvent[];
  stop(): Promise<void>;
}

/** Records every event of `runId` that reaches `bus` until `stop()`. */
export function tapRunEvents(bus: EventBus, runId: string): BusTap {
  const events: TappedEvent[] = [];
  const iterator = bus.subscribe(runId);
  const draining = (async () => {
    for await (const message of iterator) {
      events.push({
        kind: message.kind,
        epoch: message.epoch ?? null,
        publishedAtMs: Date.parse(message.at),
        tappedAtMs: Date.now(),
      });
    }
  })();
  return {
    events,
    stop: async () => {
      await iterator.return?.();
      await draining;
    },
  };
}

import pg from "pg";
import type { BatchProgress } from "../ml/train";
import type { RunEventKind } from "../vocabulary";
import { Channel } from "./channel";
import { retryWhileUnreachable } from "./databaseRetry";

/** What changed about a run (SNAPSHOT is not published: each subscription makes its own). */
export type PublishedRunEventKind = Exclude<RunEventKind, "SNAPSHOT">;

/** Batch progress as published (at most a few times a second, never stored): the trainer's report plus an ETA. */
export interface BatchProgressMessage extends BatchProgress {
  /** Seconds until the run's last epoch ends, estimated from the current throughput (null while EMBEDDING). */
  etaSeconds: number | null;
}

/**
 * An event as it crosses processes. It carries ids and small values only (NOTIFY payloads are
 * limited to 8000 bytes): epoch metrics are read from the database, where they are committed first.
 */
export interface RunEventMessage {
  runId: string;
  kind: PublishedRunEventKind;
  /** ISO time of the change. */
  at: string;
  status?: string;
  epoch?: number;
  progress?: BatchProgressMessage;
}

/** Publishes run events and lets subscribers follow one run. */
export interface EventBus {
  publish(message: RunEventMessage): Promise<void>;
  /** Events of one run from now on; `return()` unsubscribes. */
  subscribe(runId: string): AsyncIterableIterator<RunEventMessage>;
  close(): Promise<void>;
}

// A slow subscriber may lose progress ticks, never status changes or epochs.
const SUBSCRIBER_CAPACITY = 256;
const isDroppable = (m: RunEventMessage) => m.kind === "PROGRESS";

/** Fan-out to local subscribers; the base of both buses. */
class LocalFanOut {
  private readonly subscribers = new Map<string, Set<Channel<RunEventMessage>>>();

  deliver(message: RunEventMessage): void {
    for (const channel of this.subscribers.get(message.runId) ?? []) channel.push(message);
  }

  subscribe(runId: string): AsyncIterableIterator<RunEventMessage> {
    const set = this.subscribers.get(runId) ?? new Set();
    this.subscribers.set(runId, set);
    const channel: Channel<RunEventMessage> = new Channel(SUBSCRIBER_CAPACITY, isDroppable, () => {
      set.delete(channel);
      if (set.size === 0) this.subscribers.delete(runId);
    });
    set.add(channel);
    return channel;
  }

  closeAll(): void {
    for (const set of this.subscribers.values()) for (const channel of [...set]) void channel.return();
  }
}

/** Events within one process (embedded PGlite cannot carry NOTIFY across connections). */
export class InProcessEventBus implements EventBus {
  private readonly fanOut = new LocalFanOut();

  async publish(message: RunEventMessage): Promise<void> {
    this.fanOut.deliver(message);
  }

  subscribe(runId: string): AsyncIterableIterator<RunEventMessage> {
    return this.fanOut.subscribe(runId);
  }

  async close(): Promise<void> {
    this.fanOut.closeAll();
  }
}

/** NOTIFY channel all LogoLab processes share. */
export const RUN_EVENTS_CHANNEL = "logolab_run_events";

/**
 * Events across processes through PostgreSQL LISTEN/NOTIFY: one connection listens, one publishes
 * (a single publishing session keeps NOTIFY order equal to publish order). A process's own events
 * reach its subscribers through the same NOTIFY path as everyone else's.
 */
export class PostgresEventBus implements EventBus {
  private readonly fanOut = new LocalFanOut();
  private listener: pg.Client | undefined;
  private publisher: pg.Client | undefined;
  private publishChain: Promise<unknown> = Promise.resolve();
  private isClosed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly connectionString: string,
    private readonly logError: (error: unknown) => void,
  ) {}

  /** Connects both sessions and starts listening. */
  static async connect(
    connectionString: string,
    logError: (error: unknown) => void,
  ): Promise<PostgresEventBus> {
    const bus = new PostgresEventBus(connectionString, logError);
    await bus.listen();
    bus.publisher = await bus.connectClient();
    return bus;
  }

  private async connectClient(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on("error", (error) => this.logError(error));
    await client.connect();
    return client;
  }

  private async listen(): Promise<void> {
    const client = await this.connectClient();
    client.on("notification", (notification) => {
      if (notification.channel !== RUN_EVENTS_CHANNEL || !notification.payload) return;
      try {
        this.fanOut.deliver(JSON.parse(notification.payload) as RunEventMessage);
      } catch (error) {
        this.logError(error);
      }
    });
    client.on("end", () => {
      // Reconnect unless closing: events missed meanwhile are covered by subscribers' snapshots.
      if (!this.isClosed) this.scheduleListen();
    });
    await client.query(`LISTEN ${RUN_EVENTS_CHANNEL}`);
    // A reconnection that finished after close() must not keep a connection open.
    if (this.isClosed) await client.end();
    else this.listener = client;
  }

  /** Listens again in a second, and keeps trying every second while the database is unreachable. */
  private scheduleListen(): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      void this.listen().catch((error: unknown) => {
        this.logError(error);
        if (!this.isClosed) this.scheduleListen();
      });
    }, 1000);
  }

  /** The publishing session; a broken one (its server went away) is replaced. */
  private async publisherClient(): Promise<pg.Client> {
    if (this.publisher === undefined) this.publisher = await this.connectClient();
    return this.publisher;
  }

  private async notify(message: RunEventMessage): Promise<void> {
    const client = await this.publisherClient();
    try {
      await client.query("SELECT pg_notify($1, $2)", [RUN_EVENTS_CHANNEL, JSON.stringify(message)]);
    } catch (error) {
      // A session that lost its server stays unusable: drop it, the next attempt reconnects.
      if (this.publisher === client) this.publisher = undefined;
      void client.end().catch(() => undefined);
      throw error;
    }
  }

  publish(message: RunEventMessage): Promise<void> {
    // Retried through a database outage inside the chain, so events stay in order.
    const sent = this.publishChain.then(() => retryWhileUnreachable(() => this.notify(message)));
    this.publishChain = sent.catch(() => undefined);
    return sent.then(() => undefined);
  }

  subscribe(runId: string): AsyncIterableIterator<RunEventMessage> {
    return this.fanOut.subscribe(runId);
  }

  async close(): Promise<void> {
    this.isClosed = true;
    clearTimeout(this.reconnectTimer);
    this.fanOut.closeAll();
    await this.publishChain;
    await Promise.all([this.listener?.end(), this.publisher?.end()]);
  }
}

import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

/** What each subscriber asks for: enough to render a progress view, epoch metrics included. */
const FOLLOW = `subscription($runId: ID!) {
  runProgress(runId: $runId) {
    kind status
    progress { epoch batch batchCount imagesPerSecond etaSeconds }
    epoch { epoch loss trainAccuracy valAccuracy valMacroF1 }
  }
}`;

interface FollowEvent {
  runProgress: {
    kind: string;
    status: string | null;
    epoch: { epoch: number } | null;
  };
}

/** One EPOCH event as a subscriber saw it. */
export interface EpochReceipt {
  epoch: number;
  /** Wall-clock receive time (ms since the epoch), comparable with database timestamps. */
  receivedAtMs: number;
}

/** Everything one subscriber saw of a run. */
export interface SubscriberLog {
  subscriber: number;
  /** Last committed epoch in the first (SNAPSHOT) event; null when there was none yet. */
  snapshotEpoch: number | null;
  epochs: EpochReceipt[];
  progressEvents: number;
  finalStatus: string | null;
}

/** Subscribers following one run. */
export interface SubscriberGroup {
  /** Resolves once every subscriber has its SNAPSHOT (so none can miss an epoch). */
  ready: Promise<void>;
  /** Resolves when every subscription has completed (the run reached a final status). */
  finished: Promise<SubscriberLog[]>;
  close(): Promise<void>;
}

function wsClient(graphqlUrl: string, key: string): Client {
  return createClient({
    url: graphqlUrl.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${key}` },
    retryAttempts: 0,
    lazy: true,
  });
}

function follow(
  client: Client,
  runId: string,
  log: SubscriberLog,
  onSnapshot: () => void,
  onEpoch: (receipt: EpochReceipt) => void,
): Promise<SubscriberLog> {
  return new Promise((resolve, reject) => {
    client.subscribe<FollowEvent>(
      { query: FOLLOW, variables: { runId } },
      {
        next: (result) => {
          // Stamp first: anything done before this would count as delivery latency.
          const receivedAtMs = Date.now();
          if (result.errors) return reject(new Error(JSON.stringify(result.errors)));
          const event = result.data!.runProgress;
          if (event.kind === "SNAPSHOT") {
            log.snapshotEpoch = event.epoch?.epoch ?? null;
            onSnapshot();
          } else if (event.kind === "EPOCH") {
            const receipt = { epoch: event.epoch!.epoch, receivedAtMs };
            log.epochs.push(receipt);
            onEpoch(receipt);
          } else if (event.kind === "PROGRESS") {
            log.progressEvents++;
          } else if (event.kind === "STATUS") {
            log.finalStatus = event.status;
          }
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
        complete: () => resolve(log),
      },
    );
  });
}

/**
 * Opens `count` graphql-ws connections, each subscribing `runProgress(runId)`, and records the
 * receive time of every EPOCH event at every subscriber. `onEpoch` sees each receipt as it arrives.
 */
export function openSubscribers(
  graphqlUrl: string,
  key: string,
  runId: string,
  count: number,
  onEpoch: (subscriber: number, receipt: EpochReceipt) => void = () => {},
): SubscriberGroup {
  const clients: Client[] = [];
  const snapshots: Promise<void>[] = [];
  const logs: Promise<SubscriberLog>[] = [];
  for (let subscriber = 0; subscriber < count; subscriber++) {
    const client = wsClient(graphqlUrl, key);
    clients.push(client);
    const log: SubscriberLog = {
      subscriber,
      snapshotEpoch: null,
      epochs: [],
      progressEvents: 0,
      finalStatus: null,
    };
    let markReady = () => {};
    snapshots.push(new Promise((resolve) => (markReady = resolve)));
    logs.push(follow(client, runId, log, markReady, (receipt) => onEpoch(subscriber, receipt)));
  }
  const finished = Promise.all(logs);
  return {
    // A subscription that fails before its snapshot must not leave `ready` hanging.
    ready: Promise.race([Promise.all(snapshots).then(() => undefined), finished.then(() => undefined)]),
    finished,
    close: async () => {
      await Promise.all(clients.map((client) => client.dispose()));
    },
  };
}

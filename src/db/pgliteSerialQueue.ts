import type { PGlite } from "@electric-sql/pglite";
import type { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/** One wire-protocol message waiting for PGlite (pglite-socket's internal queue entry). */
interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  onData(data: Uint8Array): void;
  resolve(bytes: number): void;
  reject(error: unknown): void;
}

/** The fields of pglite-socket 0.2.17's QueryQueueManager this module relies on. */
interface QueryQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  db: PGlite;
  processQueue(): Promise<void>;
}

// Extended-protocol messages open a sequence that only Sync ('S') closes; simple Query ('Q') and
// Terminate ('X') stand alone. Startup messages start with a length byte (0) and stand alone too.
const OPENS_SEQUENCE = new Set(["P", "B", "D", "E", "C", "H", "F"]);
const CLOSES_SEQUENCE = new Set(["S", "Q", "X"]);

/**
 * pglite-socket serves every connection from one PGlite session and interleaves their messages,
 * keeping a connection's messages together only inside explicit transactions. Two pooled
 * connections running extended-protocol queries (Parse/Bind/Execute/Sync) at once can then bind
 * one's parameters to the other's unnamed statement ("bind message supplies 5 parameters, but
 * prepared statement requires 3"). This replaces the queue's scheduler so a connection keeps the
 * session from its first extended-protocol message to its Sync, as well as inside transactions.
 * It also clears the `processing` flag when a message fails, which the original leaves set
 * (stalling every later query).
 */
export function serialiseExtendedQueries(server: PGLiteSocketServer): void {
  const queue = (server as unknown as { queryQueue: QueryQueue }).queryQueue;
  if (!queue || !Array.isArray(queue.queue) || typeof queue.processQueue !== "function") {
    throw new Error("unexpected @electric-sql/pglite-socket internals: check serialiseExtendedQueries");
  }
  let pinnedHandler: number | null = null;
  queue.processQueue = async function processQueue(this: QueryQueue) {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        const owner = pinnedHandler ?? (this.db.isInTransaction() ? this.lastHandlerId : null);
        const index = owner === null ? 0 : this.queue.findIndex((m) => m.handlerId === owner);
        if (index === -1) break; // the owner's next message has not arrived; its enqueue resumes us
        const [next] = this.queue.splice(index, 1);
        const type = String.fromCharCode(next.message[0] ?? 0);
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(next.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                next.onData(data);
              },
            }),
          );
        } catch (error) {
          pinnedHandler = null;
          next.reject(error);
          continue;
        }
        if (OPENS_SEQUENCE.has(type)) pinnedHandler = next.handlerId;
        else if (CLOSES_SEQUENCE.has(type)) pinnedHandler = null;
        this.lastHandlerId = next.handlerId;
        next.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  }.bind(queue);
  // A connection that disconnects mid-sequence must not keep the session pinned.
  const clearQueueForHandler = (
    queue as unknown as { clearQueueForHandler(id: number): void }
  ).clearQueueForHandler.bind(queue);
  (queue as unknown as { clearQueueForHandler(id: number): void }).clearQueueForHandler = (id: number) => {
    if (pinnedHandler === id) pinnedHandler = null;
    clearQueueForHandler(id);
    void queue.processQueue();
  };
}

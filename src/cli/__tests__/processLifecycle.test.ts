import { ProcessLifecycle, StoppedBySignalError } from "../processLifecycle";

// In-process checks of the ordering and bookkeeping; test/e2e/shutdown.test.ts sends real signals
// to the built CLI.

interface Recorded {
  lifecycle: ProcessLifecycle;
  events: string[];
  exits: number[];
}

function recordedLifecycle(timeoutMs = 5_000, signalExitCode: 0 | "signal" = 0): Recorded {
  const events: string[] = [];
  const exits: number[] = [];
  const lifecycle = new ProcessLifecycle({
    timeoutMs,
    signalExitCode,
    log: (line) => events.push(`log: ${line}`),
    logError: (line) => events.push(`error: ${line}`),
    exit: (code) => exits.push(code),
  });
  return { lifecycle, events, exits };
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => {
  process.exitCode = undefined;
});

it("on SIGTERM closes what it owns, last opened first, and sets exit code 0", async () => {
  const { lifecycle, events } = recordedLifecycle();
  await lifecycle.start(async () => {
    lifecycle.own("the database", "db", () => void events.push("close database"));
    lifecycle.own("the HTTP server", "http", async () => {
      await tick(10);
      events.push("close HTTP server");
    });
  });
  process.emit("SIGTERM");
  expect(lifecycle.isStopping).toBe(true);
  expect(lifecycle.stopRequest.aborted).toBe(true);
  await lifecycle.close();
  await tick();
  expect(events).toEqual([
    "log: SIGTERM: finishing in-flight work and closing (at most 5 s; SIGTERM again exits at once)…",
    "close HTTP server",
    "close database",
    expect.stringMatching(/^log: closed in \d+ ms$/),
  ]);
  expect(process.exitCode).toBe(0);
});

it("closes what a failed start opened, then lets the start's error through", async () => {
  const { lifecycle, events } = recordedLifecycle();
  const start = lifecycle.start(async () => {
    lifecycle.own("the database", "db", () => void events.push("close database"));
    throw new Error("port 127.0.0.1:4000 is already in use");
  });
  await expect(start).rejects.toThrow("port 127.0.0.1:4000 is already in use");
  expect(events).toEqual(["close database"]);
});

it("lets a start that a signal interrupted finish, then closes it all and throws StoppedBySignalError", async () => {
  const { lifecycle, events } = recordedLifecycle();
  const start = lifecycle.start(async () => {
    lifecycle.own("the database", "db", () => void events.push("close database"));
    process.emit("SIGINT");
    await tick(10);
    lifecycle.own("the workers", "workers", () => void events.push("close workers"));
  });
  await expect(start).rejects.toBeInstanceOf(StoppedBySignalError);
  expect(events.slice(1, 3)).toEqual(["close workers", "close database"]);
  expect(process.exitCode).toBe(0);
});

it("exits one-shot commands with 128 + the signal's number after closing", async () => {
  const { lifecycle } = recordedLifecycle(5_000, "signal");
  await lifecycle.start(async () => lifecycle.own("the database", "db", () => undefined));
  process.emit("SIGINT");
  await lifecycle.close();
  await tick();
  expect(process.exitCode).toBe(130);
});

it("exits at once on a second signal, naming what it was closing", async () => {
  const { lifecycle, events, exits } = recordedLifecycle();
  let finishClosing: () => void = () => {};
  await lifecycle.start(async () => {
    lifecycle.own("the training workers", "workers", () => new Promise<void>((r) => (finishClosing = r)));
  });
  process.emit("SIGINT");
  await tick();
  process.emit("SIGINT");
  expect(exits).toEqual([130]);
  expect(events.at(-1)).toBe("error: SIGINT again: exiting now while closing the training workers");
  finishClosing();
  await lifecycle.close();
});

it("past the deadline, says what it was closing and what is open, and exits 1", async () => {
  const { lifecycle, events, exits } = recordedLifecycle(100);
  let finishClosing: () => void = () => {};
  await lifecycle.start(async () => {
    lifecycle.own("the training workers", "workers", () => new Promise<void>((r) => (finishClosing = r)));
  });
  process.emit("SIGTERM");
  // The deadline is unref'd: this timer keeps the loop alive, as a real leftover would.
  await tick(300);
  expect(exits).toEqual([1]);
  expect(events.at(-1)).toMatch(
    /^error: not closed after 100 ms \(still closing the training workers\); open: .*; exiting with code 1$/,
  );
  finishClosing();
  await lifecycle.close();
});

it("logs a close that throws, still closes the rest, and exits 1", async () => {
  const { lifecycle, events } = recordedLifecycle();
  await lifecycle.start(async () => {
    lifecycle.own("the database", "db", () => void events.push("close database"));
    lifecycle.own("the queue", "queue", async () => {
      throw new Error("connection reset");
    });
  });
  process.emit("SIGTERM");
  await lifecycle.close();
  await tick();
  expect(events.slice(1)).toEqual([
    "error: closing the queue failed: connection reset",
    "close database",
    expect.stringMatching(/^log: closed in \d+ ms \(with errors\)$/),
  ]);
  expect(process.exitCode).toBe(1);
});

it("refuses to own anything once closing began", async () => {
  const { lifecycle } = recordedLifecycle();
  await lifecycle.close();
  expect(() => lifecycle.own("the workers", "workers", () => undefined)).toThrow(
    "cannot open the workers: the process is closing",
  );
});

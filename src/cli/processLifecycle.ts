import { describeOpenHandles } from "./openHandles";

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;

/** The signals that ask a LogoLab process to stop. */
export type StopSignal = keyof typeof SIGNAL_NUMBERS;

/** Options of a {@link ProcessLifecycle}. */
export interface ProcessLifecycleOptions {
  /** Longest closing may take, ms (`LOGOLAB_SHUTDOWN_TIMEOUT_MS`); past it: report and exit 1. */
  timeoutMs: number;
  /**
   * Exit code after a signal stopped the process and everything closed: `0` for the long-running
   * commands (a supervisor's stop is a success), `"signal"` (128 + the signal's number, as a shell
   * reports a process killed by it) for one-shot commands a user interrupted.
   */
  signalExitCode?: 0 | "signal";
  log?: (line: string) => void;
  logError?: (line: string) => void;
  /** Ends the process (tests replace it). */
  exit?: (code: number) => void;
}

/** Thrown by {@link ProcessLifecycle.start} when a signal stopped the process while it started. */
export class StoppedBySignalError extends Error {
  constructor(readonly signal: StopSignal) {
    super(`stopped by ${signal}`);
  }
}

let processStopSignal: StopSignal | undefined;

/** The signal that is stopping this process, if any: errors after it come from closing, not failures. */
export function stopSignalOfProcess(): StopSignal | undefined {
  return processStopSignal;
}

interface OwnedResource {
  name: string;
  close(): Promise<unknown> | void;
}

/**
 * What a LogoLab process opened, and how it stops. Commands hand it each thing they open (`own`,
 * with a name for the log), in order; everything is closed last-opened first: on SIGINT/SIGTERM,
 * when a start fails half-way, and when a one-shot command ends. Closing has a deadline: past it
 * the process logs what it was closing and which handles are still open, and exits 1. A second
 * signal exits at once. The deadline timer is unref'd, so a process whose resources all closed
 * exits because its event loop is empty, not because something called `process.exit` over open
 * work; if something stays open, the deadline names it.
 */
export class ProcessLifecycle {
  private readonly owned: OwnedResource[] = [];
  private readonly stopController = new AbortController();
  private isStarting = false;
  private closing: Promise<boolean> | undefined;
  private closingName: string | undefined;
  private signal: StopSignal | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private readonly log: (line: string) => void;
  private readonly logError: (line: string) => void;
  private readonly exit: (code: number) => void;
  // `on`, not `once`: a second signal must reach us (and Node's default would kill mid-close).
  private readonly listeners = (Object.keys(SIGNAL_NUMBERS) as StopSignal[]).map(
    (signal) => [signal, () => this.onSignal(signal)] as const,
  );

  constructor(private readonly options: ProcessLifecycleOptions) {
    this.log = options.log ?? ((line) => console.log(line));
    this.logError = options.logError ?? ((line) => console.error(line));
    this.exit = options.exit ?? ((code) => process.exit(code));
    for (const [signal, listener] of this.listeners) process.on(signal, listener);
  }

  /** Aborted when a signal asks the process to stop: long work (a reproduction) ends on it. */
  get stopRequest(): AbortSignal {
    return this.stopController.signal;
  }

  /** Whether a signal asked the process to stop. */
  get isStopping(): boolean {
    return this.signal !== undefined;
  }

  /** Records `resource`, opened just now, to be closed by `close`; returns it. */
  own<T>(name: string, resource: T, close: (resource: T) => Promise<unknown> | void): T {
    if (this.closing) throw new Error(`cannot open ${name}: the process is closing`);
    this.owned.push({ name, close: () => close(resource) });
    return resource;
  }

  /**
   * Runs a command's start. When it fails, whatever it opened is closed before the error goes on
   * (so a failed start ends instead of hanging on half-open services). A signal during the start
   * lets it finish, then closes everything and throws {@link StoppedBySignalError}.
   */
  async start<T>(open: () => Promise<T>): Promise<T> {
    this.isStarting = true;
    let value: T;
    try {
      value = await open();
    } catch (error) {
      this.isStarting = false;
      if (this.signal) {
        await this.stopAfterSignal();
        throw new StoppedBySignalError(this.signal);
      }
      await this.close();
      throw error;
    }
    this.isStarting = false;
    if (this.signal) {
      await this.stopAfterSignal();
      throw new StoppedBySignalError(this.signal);
    }
    return value;
  }

  /**
   * Closes everything owned, last opened first, each after the one before has closed; a close that
   * throws is logged and the rest still close. Resolves true when all closed cleanly. Idempotent.
   */
  close(): Promise<boolean> {
    this.closing ??= this.closeAll();
    return this.closing;
  }

  private async closeAll(): Promise<boolean> {
    this.armDeadline();
    let isClean = true;
    for (const resource of this.owned.reverse()) {
      this.closingName = resource.name;
      try {
        await resource.close();
      } catch (error) {
        isClean = false;
        this.logError(
          `closing ${resource.name} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    this.owned.length = 0;
    this.closingName = undefined;
    for (const [signal, listener] of this.listeners) process.removeListener(signal, listener);
    return isClean;
  }

  private onSignal(signal: StopSignal): void {
    if (this.signal !== undefined) {
      const during = this.closingName ? ` while closing ${this.closingName}` : "";
      this.logError(`${signal} again: exiting now${during}`);
      this.exit(128 + SIGNAL_NUMBERS[signal]);
      return;
    }
    this.signal = processStopSignal = signal;
    // Until everything has closed, an exit (of any cause) is not a clean stop.
    process.exitCode = 1;
    this.stopController.abort();
    const again = signal === "SIGINT" ? "Ctrl-C" : signal;
    this.log(
      `${signal}: finishing in-flight work and closing (at most ${this.options.timeoutMs / 1000} s; ` +
        `${again} again exits at once)…`,
    );
    this.armDeadline();
    if (!this.isStarting) void this.stopAfterSignal();
  }

  private async stopAfterSignal(): Promise<void> {
    const startedAt = Date.now();
    const isClean = await this.close();
    const code = !isClean
      ? 1
      : this.options.signalExitCode === "signal"
        ? 128 + SIGNAL_NUMBERS[this.signal!]
        : 0;
    process.exitCode = code;
    this.log(`closed in ${Date.now() - startedAt} ms${isClean ? "" : " (with errors)"}`);
  }

  private armDeadline(): void {
    if (this.deadline) return;
    this.deadline = setTimeout(() => {
      const what = this.closingName ? ` (still closing ${this.closingName})` : "";
      const open = describeOpenHandles();
      this.logError(
        `not closed after ${this.options.timeoutMs} ms${what}; open: ${open.join(", ") || "nothing"}; exiting with code 1`,
      );
      this.exit(1);
    }, this.options.timeoutMs);
    // Only something else still open keeps the process alive long enough for this to fire.
    this.deadline.unref();
  }
}

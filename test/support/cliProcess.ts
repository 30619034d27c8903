import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { appendFileSync } from "node:fs";
import { BUILT_CLI } from "./builtCli";

/** How a process ended: its exit code, or the signal that killed it. */
export type ExitStatus = number | NodeJS.Signals | null;

/** A running `logolab` command (the built CLI) with its output collected. */
export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  /** stdout and stderr so far, interleaved as they arrived. */
  output(): string;
  exited: Promise<ExitStatus>;
  /** Resolves with the first match of `pattern` in the output; rejects if the process ends first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends `signal` and resolves with how the process ended and how long that took after the signal. */
  signal(signal: NodeJS.Signals): Promise<{ status: ExitStatus; ms: number }>;
}

/**
 * The environment of a CLI run: this process's, without NODE_ENV (jest sets it to `test`, and
 * Apollo adds its own signal handlers only outside `test`: a user's `serve` must be what is tested),
 * with `env` added; `DATABASE_URL` is removed unless `env` sets it.
 */
export function cliEnvironment(env: Record<string, string>): NodeJS.ProcessEnv {
  const merged: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete merged.NODE_ENV;
  if (env.DATABASE_URL === undefined) delete merged.DATABASE_URL;
  return merged;
}

/** Starts `logolab <args>` in `cwd` with {@link cliEnvironment}(`env`). */
export function startCli(args: string[], env: Record<string, string>, cwd?: string): CliProcess {
  const child = spawn(process.execPath, [BUILT_CLI, ...args], { env: cliEnvironment(env), cwd });
  let output = "";
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout.on("data", onData);
  child.stderr.on("data", onData);
  const exited = new Promise<ExitStatus>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? code)),
  );
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const listener of listeners) listener();
  });
  return {
    child,
    pid: child.pid!,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${output}`));
        }, timeoutMs);
        const check = () => {
          const match = pattern.exec(output);
          if (!match && !hasExited) return;
          listeners.delete(check);
          clearTimeout(timer);
          if (match) resolve(match);
          else reject(new Error(`exited before printing ${pattern}; output:\n${output}`));
        };
        listeners.add(check);
        check();
      });
    },
    async signal(signal) {
      const sentAt = Date.now();
      child.kill(signal);
      const status = await exited;
      const ms = Date.now() - sentAt;
      // LOGOLAB_TEST_SHUTDOWN_TIMES=<file> collects the measured stops (the README quotes them).
      const timesFile = process.env.LOGOLAB_TEST_SHUTDOWN_TIMES;
      if (timesFile) {
        const line = `${expect.getState().currentTestName}\t${args.join(" ")}\t${signal}\t${status}\t${ms}\n`;
        appendFileSync(timesFile, line);
      }
      return { status, ms };
    },
  };
}

/** Starts `logolab serve` and resolves once it listens, with its API's URL. */
export async function startServe(
  env: Record<string, string>,
  cwd?: string,
): Promise<CliProcess & { url: string; adminKey: string | undefined }> {
  const serve = startCli(["serve"], { PORT: "0", LOGOLAB_DEFAULT_DATASET: "false", ...env }, cwd);
  const [, url] = await serve.waitFor(/on (http:\/\/\S+)\/graphql/);
  const adminKey = /LOGOLAB_ADMIN_KEY=(\S+)/.exec(serve.output())?.[1];
  return { ...serve, url, adminKey };
}

/** Runs `logolab <args>` to its end. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  cwd?: string,
): Promise<{ status: ExitStatus; output: string; ms: number }> {
  const startedAt = Date.now();
  const cli = startCli(args, env, cwd);
  const status = await cli.exited;
  const ms = Date.now() - startedAt;
  // One-shot commands fork nothing: their output is complete once their pipes close.
  if (cli.child.stdout.readable || cli.child.stderr.readable) {
    await new Promise((resolve) => cli.child.once("close", resolve));
  }
  return { status, output: cli.output(), ms };
}

/** POSTs a GraphQL operation to `url` (the server's base URL) with `key` as Bearer token. */
export async function gqlAt<T = Record<string, unknown>>(
  url: string,
  key: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ status: number; data?: T; errors?: { message: string; extensions?: { code?: string } }[] }> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...(await response.json()) };
}

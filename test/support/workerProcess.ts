import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { BUILT_CLI } from "./builtCli";

/** A `logolab worker` process (the built CLI) on the given database and home. */
export interface WorkerProcess {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  output(): string;
  /** Resolves with the exit code or signal. */
  exited: Promise<number | string | null>;
}

/** Starts `logolab worker` and resolves once it waits for jobs. */
export function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [BUILT_CLI, "worker"], { env: { ...process.env, ...env } });
  let output = "";
  const exited = new Promise<number | string | null>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? code)),
  );
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("waiting for training jobs")) {
        resolve({ child, pid: child.pid!, output: () => output, exited });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then((how) => reject(new Error(`worker exited (${how}) before it was ready:\n${output}`)));
  });
}

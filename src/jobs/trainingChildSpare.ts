import type { ChildProcess } from "node:child_process";
import type { MlBackendPreference } from "../config";
import { forkTrainingChild } from "./trainingProcess";

function isAlive(child: ChildProcess): boolean {
  return child.connected && child.exitCode === null && child.signalCode === null;
}

/**
 * One training child forked ahead of time, so that a run does not wait for a process to start,
 * load TensorFlow.js and initialise its backend (about a second on 2 cores). A worker prepares the
 * spare while it is idle and takes it when a job arrives; a spare that died meanwhile is replaced
 * by a fresh fork.
 */
export class TrainingChildSpare {
  private spare: ChildProcess | undefined;
  private isClosed = false;

  constructor(
    private readonly mlBackend: MlBackendPreference,
    private readonly fork: (mlBackend: MlBackendPreference) => ChildProcess = forkTrainingChild,
  ) {}

  /** Forks the spare unless a live one is waiting (call when the worker is idle). */
  prepare(): void {
    if (this.isClosed || (this.spare !== undefined && isAlive(this.spare))) return;
    this.spare = this.fork(this.mlBackend);
  }

  /** The warm spare if it is alive, else a freshly forked child; the caller owns it. */
  take(): ChildProcess {
    const spare = this.spare;
    this.spare = undefined;
    if (spare !== undefined && isAlive(spare)) return spare;
    spare?.kill("SIGKILL");
    return this.fork(this.mlBackend);
  }

  /** Ends the spare (worker shutdown); later `prepare` calls do nothing. */
  close(): void {
    this.isClosed = true;
    this.spare?.kill("SIGKILL");
    this.spare = undefined;
  }
}

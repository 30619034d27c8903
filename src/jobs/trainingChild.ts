/**
 * Entry point of the child process that trains one run (forked by TrainingProcess). Isolation:
 * the wasm heap is capped at 4 GiB and an abort there kills only this process.
 */
import { readManifest } from "../ml/checkpoint";
import type { MlBackendPreference } from "../config";
import { selectBackend, type BackendSelection } from "../ml/backend";
import { train } from "../ml/train";
import { loadTrainingData } from "./trainingData";
import type { FromChild, ToChild, TrainingSpec } from "./trainingMessages";

function send(message: FromChild): void {
  // A parent that died (or exited past its shutdown deadline) leaves nobody to report to: end
  // quietly instead of crashing on EPIPE before the disconnect event is seen.
  if (!process.connected) process.exit(0);
  process.send!(message, undefined, {}, (error: Error | null) => {
    if (error) process.exit(0);
  });
}

/**
 * The backend this child was forked for (`argv[2]`), selected while it waits for its run: a spare
 * child is ready to train the moment a run arrives. A failure is reported when a run needs it.
 */
const forkedFor = process.argv[2] as MlBackendPreference | undefined;
const warmBackend = forkedFor ? selectBackend(forkedFor) : undefined;
warmBackend?.catch(() => undefined);

function backendFor(preference: MlBackendPreference): Promise<BackendSelection> {
  return warmBackend !== undefined && preference === forkedFor ? warmBackend : selectBackend(preference);
}

let isStopRequested = false;
const epochAcks = new Map<number, () => void>();

function waitForRecord(epoch: number): Promise<void> {
  return new Promise((resolve) => epochAcks.set(epoch, resolve));
}

/** Tells the parent which epochs an earlier attempt finished. */
async function reportResumedHistory(resumeFrom: string | undefined): Promise<void> {
  if (!resumeFrom) return;
  const manifest = await readManifest(resumeFrom);
  send({
    type: "resumed",
    history: manifest.training?.history ?? [],
    bestEpoch: manifest.training?.bestEpoch ?? 0,
  });
}

async function run(spec: TrainingSpec): Promise<void> {
  const { backend } = await backendFor(spec.mlBackend);
  send({ type: "ready", backend });
  const data = await loadTrainingData(spec.datasetDir);
  // The worker passes `resumeFrom` only when that directory holds a complete checkpoint.
  const { resumeFrom } = spec;
  await reportResumedHistory(resumeFrom);
  const result = await train({
    hyperparameters: spec.hyperparameters,
    data,
    checkpointDir: spec.checkpointDir,
    cacheDir: spec.cacheDir,
    datasetVersion: spec.datasetVersion,
    resumeFrom,
    shouldStop: () => isStopRequested,
    onBatch: (progress) => send({ type: "batch", progress }),
    onEpoch: async (metrics, isBest) => {
      const recorded = waitForRecord(metrics.epoch);
      send({ type: "epoch", metrics, isBest });
      // The parent copies best/ and commits before training goes on and may overwrite it.
      await recorded;
    },
  });
  send({ type: "done", status: result.status });
}

process.on("message", (message: ToChild) => {
  if (message.type === "stop") isStopRequested = true;
  else if (message.type === "epochRecorded") epochAcks.get(message.epoch)?.();
  else if (message.type === "start") {
    run(message.spec)
      // The parent disconnects once it has the outcome; disconnecting here could drop the last message.
      .catch((error: unknown) =>
        send({ type: "failed", message: error instanceof Error ? error.message : String(error) }),
      );
  }
});
// The parent going away (its crash) ends the child too: training must not go on unowned.
process.on("disconnect", () => process.exit(0));
// The parent decides when a run stops: on its own shutdown it asks for a stop after the current
// batch and hands the run back. A Ctrl-C in a terminal signals the whole process group, children
// included; dying of it would fail the run mid-epoch instead.
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => undefined);

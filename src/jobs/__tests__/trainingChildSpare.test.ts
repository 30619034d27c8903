import { once } from "node:events";
import type { ChildProcess } from "node:child_process";
import type { MlBackendPreference } from "../../config";
import { TrainingChildSpare } from "../trainingChildSpare";
import { forkTrainingChild } from "../trainingProcess";

/** Every child the spares under test forked (real training children, from the build). */
const forked: ChildProcess[] = [];
function recordingFork(mlBackend: MlBackendPreference): ChildProcess {
  const child = forkTrainingChild(mlBackend);
  forked.push(child);
  return child;
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, "exit");
}

afterEach(async () => {
  for (const child of forked) child.kill("SIGKILL");
  await Promise.all(forked.map(exited));
  forked.length = 0;
});

it("forks one spare while idle and hands it over; with none waiting, take forks a fresh child", () => {
  const spare = new TrainingChildSpare("cpu", recordingFork);
  spare.prepare();
  spare.prepare();
  expect(forked).toHaveLength(1);
  expect(spare.take()).toBe(forked[0]);
  const fresh = spare.take();
  expect(forked).toHaveLength(2);
  expect(fresh).toBe(forked[1]);
  spare.close();
});

it("never hands out a spare that died while waiting", async () => {
  const spare = new TrainingChildSpare("cpu", recordingFork);
  spare.prepare();
  forked[0].kill("SIGKILL");
  await exited(forked[0]);
  const child = spare.take();
  expect(child).toBe(forked[1]);
  expect(child.connected).toBe(true);
  // prepare() also replaces a dead spare.
  spare.prepare();
  forked[2].kill("SIGKILL");
  await exited(forked[2]);
  spare.prepare();
  expect(forked).toHaveLength(4);
  expect(spare.take()).toBe(forked[3]);
  spare.close();
});

it("kills the waiting spare on close and prepares none afterwards", async () => {
  const spare = new TrainingChildSpare("cpu", recordingFork);
  spare.prepare();
  spare.close();
  await exited(forked[0]);
  expect(forked[0].signalCode).toBe("SIGKILL");
  spare.prepare();
  expect(forked).toHaveLength(1);
});

it("a spare child is ready to train: it reports its backend as soon as a run arrives", async () => {
  const spare = new TrainingChildSpare("cpu", recordingFork);
  spare.prepare();
  const child = spare.take();
  const ready = once(child, "message");
  // A spec the child rejects after selecting its backend (no dataset there): enough to see it answer.
  child.send({
    type: "start",
    spec: {
      runId: "r",
      hyperparameters: {},
      datasetDir: "/nonexistent",
      datasetVersion: "v",
      checkpointDir: "/nonexistent/run",
      cacheDir: "/nonexistent/cache",
      mlBackend: "cpu",
    },
  });
  const [message] = (await ready) as [{ type: string; backend?: string }];
  expect(message).toEqual({ type: "ready", backend: "cpu" });
  const [failure] = (await once(child, "message")) as [{ type: string; message?: string }];
  expect(failure.type).toBe("failed");
  spare.close();
});

import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { collect, wsClient } from "../support/wsClient";
import { createExperimentWithDataset, START_RUN, TINY_RUN } from "../support/runFixtures";
import { startTestServer, type TestServer } from "../support/testServer";

let server: TestServer;
let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-progress-"));
  server = await startTestServer({ LOGOLAB_WORKERS: "1", LOGOLAB_HEARTBEAT_MS: "300" });
});
afterAll(async () => {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

const FOLLOW = `subscription($runId: ID!) {
  runProgress(runId: $runId) {
    kind status at
    progress { phase epoch batch batchCount imagesDone imagesTotal imagesPerSecond etaSeconds loss }
    epoch { epoch loss trainAccuracy valAccuracy testAccuracy valMacroF1 majorityBaselineAccuracy durationMs
            perClass { label precision recall f1 support } confusionMatrix { labels counts } }
    run { id status bestEpoch mlBackend error }
  }
}`;

type Event = {
  runProgress: {
    kind: string;
    status: string | null;
    epoch: ({ epoch: number } & Record<string, unknown>) | null;
    progress: {
      phase: string;
      epoch: number;
      imagesDone: number;
      imagesTotal: number;
      loss: number | null;
      etaSeconds: number | null;
    } | null;
    run: { id: string; status: string; bestEpoch: number | null; mlBackend: string | null };
  };
};

it("streams a snapshot, status changes, progress and every epoch of a 3-epoch run, each equal to its row", async () => {
  const experimentId = await createExperimentWithDataset(server, "progress", tmp);
  const started = await server.gql<{ startRun: { id: string; status: string } }>(
    START_RUN,
    { input: { experimentId, hyperparameters: TINY_RUN } },
    server.keys.engineer,
  );
  expect(started.errors).toBeUndefined();
  const runId = started.data!.startRun.id;
  const client = wsClient(server.graphqlUrl, server.keys.viewer);
  let lateSubscriber: Promise<Event[]> | undefined;
  const events = await collect<Event>(client, FOLLOW, { runId }, (event) => {
    // A second subscriber joins mid-run, right after the first committed epoch.
    if (event.runProgress.kind === "EPOCH" && event.runProgress.epoch!.epoch === 1 && !lateSubscriber) {
      lateSubscriber = collect<Event>(wsClient(server.graphqlUrl, server.keys.viewer), FOLLOW, { runId });
    }
  });
  const kinds = events.map((e) => e.runProgress.kind);
  expect(kinds[0]).toBe("SNAPSHOT");
  expect(kinds).toContain("PROGRESS");
  const progress = events
    .filter((e) => e.runProgress.kind === "PROGRESS")
    .map((e) => e.runProgress.progress!);
  expect(progress.every((p) => p.phase === "TRAINING" && typeof p.loss === "number")).toBe(true);
  const epochEvents = events.filter((e) => e.runProgress.kind === "EPOCH").map((e) => e.runProgress.epoch!);
  expect(epochEvents.map((e) => e.epoch)).toEqual([1, 2, 3]);
  const last = events.at(-1)!.runProgress;
  expect(last).toMatchObject({ kind: "STATUS", status: "SUCCEEDED", run: { status: "SUCCEEDED" } });
  expect(["tensorflow-gpu", "tensorflow", "wasm", "cpu"]).toContain(last.run.mlBackend);

  const stored = await server.db.database.prisma.epochMetric.findMany({
    where: { runId },
    orderBy: { epoch: "asc" },
  });
  expect(stored).toHaveLength(3);
  stored.forEach((row, i) => {
    expect(epochEvents[i]).toEqual({
      epoch: row.epoch,
      loss: row.loss,
      trainAccuracy: row.trainAccuracy,
      valAccuracy: row.valAccuracy,
      testAccuracy: row.testAccuracy,
      valMacroF1: row.valMacroF1,
      majorityBaselineAccuracy: row.majorityBaselineAccuracy,
      durationMs: row.durationMs,
      perClass: row.perClass,
      confusionMatrix: row.confusionMatrix,
    });
  });

  const late = await lateSubscriber!;
  expect(late[0].runProgress.kind).toBe("SNAPSHOT");
  expect(late[0].runProgress.epoch!.epoch).toBeGreaterThanOrEqual(1);
  const lateEpochs = late
    .filter((e) => e.runProgress.kind === "EPOCH")
    .map((e) => e.runProgress.epoch!.epoch);
  expect([late[0].runProgress.epoch!.epoch, ...lateEpochs]).toEqual(
    Array.from(
      { length: 4 - late[0].runProgress.epoch!.epoch },
      (_, i) => late[0].runProgress.epoch!.epoch + i,
    ),
  );
  expect(late.at(-1)!.runProgress.status).toBe("SUCCEEDED");

  const run = await server.db.database.prisma.run.findUniqueOrThrow({
    where: { id: runId },
    include: { checkpoints: true },
  });
  expect(run.bestEpoch).not.toBeNull();
  expect(run.checkpoints.map((c) => c.epoch)).toContain(run.bestEpoch);
}, 180_000);

it("streams EMBEDDING progress of a head-only MOBILENET_V2 run before its TRAINING progress", async () => {
  const experimentId = await createExperimentWithDataset(server, "embedding", tmp);
  const started = await server.gql<{ startRun: { id: string } }>(
    START_RUN,
    {
      input: {
        experimentId,
        hyperparameters: {
          architecture: "MOBILENET_V2",
          pretrained: true,
          trainableLayers: "HEAD",
          imageSize: 32,
          batchSize: 4,
          epochs: 2,
          augmentations: [],
        },
      },
    },
    server.keys.engineer,
  );
  expect(started.errors).toBeUndefined();
  const client = wsClient(server.graphqlUrl, server.keys.viewer);
  const events = await collect<Event>(client, FOLLOW, { runId: started.data!.startRun.id });
  expect(events.at(-1)!.runProgress.status).toBe("SUCCEEDED");
  const progress = events
    .filter((e) => e.runProgress.kind === "PROGRESS")
    .map((e) => e.runProgress.progress!);
  const phases = progress.map((p) => p.phase);
  const lastEmbedding = phases.lastIndexOf("EMBEDDING");
  expect(lastEmbedding).toBeGreaterThanOrEqual(0);
  expect(phases.indexOf("TRAINING")).toBeGreaterThan(lastEmbedding);
  // The last embedding batch always gets through the throttle: every image of every split embedded.
  expect(progress[lastEmbedding]).toMatchObject({ epoch: 1, loss: null, etaSeconds: null });
  expect(progress[lastEmbedding].imagesDone).toBe(progress[lastEmbedding].imagesTotal);
}, 180_000);

it("rejects a subscription without a key", async () => {
  const client = wsClient(server.graphqlUrl);
  await expect(collect(client, FOLLOW, { runId: "00000000-0000-7000-8000-000000000000" })).rejects.toEqual([
    expect.objectContaining({ extensions: expect.objectContaining({ code: "UNAUTHENTICATED" }) }),
  ]);
});

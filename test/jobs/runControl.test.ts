import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runCheckpointDir } from "../../src/jobs/checkpointStore";
import { createExperimentWithDataset, START_RUN, TINY_RUN } from "../support/runFixtures";
import { startTestServer, type TestServer } from "../support/testServer";
import { waitFor } from "../support/waitFor";

let server: TestServer;
let tmp: string;
let experimentId: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-control-"));
  server = await startTestServer({ LOGOLAB_WORKERS: "1", LOGOLAB_HEARTBEAT_MS: "300" });
  experimentId = await createExperimentWithDataset(server, "control", tmp);
});
afterAll(async () => {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

type Started = { startRun: { id: string; status: string } };
const CANCEL = `mutation($id: ID!) { cancelRun(id: $id) { id status } }`;

async function queueSize(): Promise<number> {
  const rows = await server.db.database.prisma.$queryRaw<
    { n: bigint }[]
  >`SELECT count(*) AS n FROM pgboss.job`;
  return Number(rows[0].n);
}

async function runCount(): Promise<number> {
  return server.db.database.prisma.run.count();
}

describe("startRun validation", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["epochs 0", { epochs: 0 }, "epochs"],
    ["image size 8", { imageSize: 8 }, "imageSize"],
    ["a negative learning rate", { learningRate: -0.1 }, "learningRate"],
    ["batch size 0", { batchSize: 0 }, "batchSize"],
    ["class weights of the wrong length", { lossWeighting: "CUSTOM", classWeights: [1, 2] }, "classWeights"],
  ];
  it.each(cases)(
    "rejects %s with BAD_USER_INPUT naming the field, queueing nothing",
    async (_, hyperparameters, field) => {
      const [runsBefore, jobsBefore] = [await runCount(), await queueSize()];
      const res = await server.gql(
        START_RUN,
        { input: { experimentId, hyperparameters } },
        server.keys.engineer,
      );
      expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
      expect(res.errors?.[0].message).toContain(field);
      expect([await runCount(), await queueSize()]).toEqual([runsBefore, jobsBefore]);
    },
  );

  it("rejects an unknown architecture with BAD_USER_INPUT naming the field", async () => {
    const res = await server.gql(
      START_RUN,
      { input: { experimentId, hyperparameters: { architecture: "VGG16" } } },
      server.keys.engineer,
    );
    expect(res.errors?.[0].extensions?.code).toBe("BAD_USER_INPUT");
    expect(res.errors?.[0].message).toContain("architecture");
  });

  it("rejects a run on a dataset that is not READY", async () => {
    const generating = await server.registry.datasets.register({
      name: "half-made",
      format: "SYNTHETIC",
      status: "GENERATING",
      rootPath: path.join(tmp, "nowhere"),
    });
    const experiment = await server.registry.experiments.create({
      name: "on a generating dataset",
      datasetId: generating.id,
    });
    const runsBefore = await runCount();
    const res = await server.gql(START_RUN, { input: { experimentId: experiment.id } }, server.keys.engineer);
    expect(res.errors?.[0]).toMatchObject({
      message: "the experiment's dataset is GENERATING; runs need a READY dataset",
      extensions: { code: "BAD_USER_INPUT", field: "experimentId" },
    });
    expect(await runCount()).toBe(runsBefore);
  });

  it("fills omitted hyperparameters with the article's defaults", async () => {
    const res = await server.gql<{ startRun: { id: string; hyperparameters: Record<string, unknown> } }>(
      `mutation($input: StartRunInput!) { startRun(input: $input) { id hyperparameters {
        architecture pretrained trainableLayers imageSize batchSize epochs optimizer learningRate weightDecay
        augmentations lossWeighting classWeights effectiveNumberBeta seed } } }`,
      { input: { experimentId, hyperparameters: { epochs: 1 } } },
      server.keys.engineer,
    );
    expect(res.data!.startRun.hyperparameters).toEqual({
      architecture: "ALEXNET_LITE",
      pretrained: false,
      trainableLayers: "ALL",
      imageSize: 96,
      batchSize: 40,
      epochs: 1,
      optimizer: "SGD",
      learningRate: 0.01,
      weightDecay: 0.001,
      augmentations: ["HORIZONTAL_FLIP", "RANDOM_CROP"],
      lossWeighting: "NONE",
      classWeights: null,
      effectiveNumberBeta: 0.999,
      seed: 42,
    });
    await waitFor(
      async () => (await server.registry.runs.get(res.data!.startRun.id))!.status === "SUCCEEDED",
    );
  });
});

describe("cancelRun", () => {
  it("stops a running run within about a batch, keeping its last checkpoint", async () => {
    const started = await server.gql<Started>(
      START_RUN,
      { input: { experimentId, hyperparameters: { ...TINY_RUN, epochs: 30 } } },
      server.keys.engineer,
    );
    const runId = started.data!.startRun.id;
    await waitFor(async () => (await server.db.database.prisma.epochMetric.count({ where: { runId } })) >= 1);
    const res = await server.gql<{ cancelRun: { status: string } }>(
      CANCEL,
      { id: runId },
      server.keys.engineer,
    );
    expect(res.data!.cancelRun.status).toBe("RUNNING");
    const cancelledAt = Date.now();
    await waitFor(async () => (await server.registry.runs.get(runId))!.status === "CANCELLED");
    expect(Date.now() - cancelledAt).toBeLessThan(10_000);
    const run = (await server.registry.runs.get(runId))!;
    expect(run.finishedAt).not.toBeNull();
    const epochs = await server.db.database.prisma.epochMetric.count({ where: { runId } });
    expect(epochs).toBeLessThan(30);
    expect(
      existsSync(path.join(runCheckpointDir(server.db.config.artifactsDir, runId), "last", "manifest.json")),
    ).toBe(true);
  });

  it("cancels a queued run at once, and a finished run is BAD_USER_INPUT", async () => {
    // One worker: the first run occupies it, so the second stays queued.
    const busy = await server.gql<Started>(
      START_RUN,
      { input: { experimentId, hyperparameters: { ...TINY_RUN, epochs: 30 } } },
      server.keys.engineer,
    );
    const queued = await server.gql<Started>(
      START_RUN,
      { input: { experimentId, hyperparameters: TINY_RUN } },
      server.keys.engineer,
    );
    await waitFor(async () => (await server.registry.runs.get(busy.data!.startRun.id))!.status === "RUNNING");
    const res = await server.gql<{ cancelRun: { status: string } }>(
      CANCEL,
      { id: queued.data!.startRun.id },
      server.keys.engineer,
    );
    expect(res.data!.cancelRun.status).toBe("CANCELLED");
    await server.gql(CANCEL, { id: busy.data!.startRun.id }, server.keys.engineer);
    await waitFor(
      async () => (await server.registry.runs.get(busy.data!.startRun.id))!.status === "CANCELLED",
    );
    expect((await server.registry.runs.get(queued.data!.startRun.id))!.attempt).toBe(0);

    const again = await server.gql(CANCEL, { id: queued.data!.startRun.id }, server.keys.engineer);
    expect(again.errors?.[0].extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      field: "id",
      status: "CANCELLED",
    });
    const unknown = await server.gql(
      CANCEL,
      { id: "00000000-0000-7000-8000-000000000000" },
      server.keys.engineer,
    );
    expect(unknown.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  });
});

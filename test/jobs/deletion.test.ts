import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { runCheckpointDir } from "../../src/jobs/checkpointStore";
import { featureCachePath, type FeatureCacheKey } from "../../src/ml/featureCache";
import { withDefaults } from "../../src/ml/hyperparameters";
import { generatedEpochs, seededRandom, seedRuns } from "../support/registrySeed";
import { createExperimentWithDataset, START_RUN, TINY_RUN } from "../support/runFixtures";
import { startTestServer, type TestServer } from "../support/testServer";
import { waitFor } from "../support/waitFor";

let server: TestServer;
let tmp: string;
let experimentId: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-deletion-"));
  server = await startTestServer({ LOGOLAB_WORKERS: "1", LOGOLAB_HEARTBEAT_MS: "300" });
  experimentId = await createExperimentWithDataset(server, "deletion", tmp);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

const DELETE_RUN = `mutation($id: ID!) { deleteRun(id: $id) }`;
const DELETE_EXPERIMENT = `mutation($id: ID!) { deleteExperiment(id: $id) }`;
const DELETE_DATASET = `mutation($id: ID!) { deleteDataset(id: $id) }`;

async function trainedRun(epochs = 2): Promise<string> {
  const started = await server.gql<{ startRun: { id: string } }>(
    START_RUN,
    { input: { experimentId, hyperparameters: { ...TINY_RUN, epochs } } },
    server.keys.engineer,
  );
  const id = started.data!.startRun.id;
  await waitFor(async () => (await server.registry.runs.get(id))!.status === "SUCCEEDED", 180_000);
  return id;
}

async function rowsOf(runId: string) {
  const prisma = server.db.database.prisma;
  const [{ jobs }] = await prisma.$queryRaw<{ jobs: number }[]>`
    SELECT ((SELECT count(*) FROM pgboss.job WHERE data->>'runId' = ${runId})
          + (SELECT count(*) FROM pgboss.archive WHERE data->>'runId' = ${runId}))::int AS jobs`;
  return {
    runs: await prisma.run.count({ where: { id: runId } }),
    epochs: await prisma.epochMetric.count({ where: { runId } }),
    checkpoints: await prisma.checkpoint.count({ where: { runId } }),
    evaluations: await prisma.evaluation.count({ where: { runId } }),
    jobs,
  };
}

describe("deleteRun", () => {
  it("is refused while an alias points at the run, then deletes its rows and files once the alias moved", async () => {
    const [kept, doomed] = [await trainedRun(1), await trainedRun(2)];
    const runDir = runCheckpointDir(server.db.config.artifactsDir, doomed);
    const checkpoints = await server.db.database.prisma.checkpoint.findMany({ where: { runId: doomed } });
    expect(checkpoints.length).toBeGreaterThan(0);
    expect(existsSync(path.join(runDir, "last", "manifest.json"))).toBe(true);
    for (const c of checkpoints) expect(existsSync(c.path)).toBe(true);
    const [checkpoint] = await server.registry.runs.bestCheckpointsOfRuns([doomed]);
    await server.registry.evaluations
      .create({
        runId: doomed,
        checkpointId: checkpoint!.id,
        datasetId: (await server.registry.experiments.get(experimentId))!.datasetId,
        split: "TEST",
        modelReference: doomed,
        imageCount: 0,
      })
      .then((e) => server.registry.evaluations.fail(e.id, "not needed"));
    const alias = await server.gql(
      `mutation($run: ID!) { setModelAlias(input: { name: "production", runId: $run }) { name } }`,
      { run: doomed },
      server.keys.engineer,
    );
    expect(alias.errors).toBeUndefined();
    const before = await rowsOf(doomed);
    expect(before).toMatchObject({ runs: 1, epochs: 2, evaluations: 1 });
    expect(before.jobs).toBeGreaterThan(0);

    const refused = await server.gql(DELETE_RUN, { id: doomed }, server.keys.engineer);
    expect(refused.errors?.[0]).toMatchObject({
      message: `the alias "production" points at run ${doomed}; point it elsewhere before deleting the run`,
      extensions: { code: "BAD_USER_INPUT", field: "id", aliases: ["production"] },
    });
    expect(await rowsOf(doomed)).toEqual(before);
    expect(existsSync(runDir)).toBe(true);

    await server.gql(
      `mutation($run: ID!) { setModelAlias(input: { name: "production", runId: $run }) { name } }`,
      { run: kept },
      server.keys.engineer,
    );
    const deleted = await server.gql<{ deleteRun: boolean }>(
      DELETE_RUN,
      { id: doomed },
      server.keys.engineer,
    );
    expect(deleted.data).toEqual({ deleteRun: true });
    expect(await rowsOf(doomed)).toEqual({ runs: 0, epochs: 0, checkpoints: 0, evaluations: 0, jobs: 0 });
    expect(existsSync(runDir)).toBe(false);
    for (const c of checkpoints) expect(existsSync(c.path)).toBe(false);
    // The kept run and the alias's history are untouched.
    expect(existsSync(runCheckpointDir(server.db.config.artifactsDir, kept))).toBe(true);
    const history = await server.gql<{
      modelAliases: { run: { id: string }; history: { fromRunId: string | null }[] }[];
    }>(`{ modelAliases { run { id } history { fromRunId } } }`, {}, server.keys.viewer);
    expect(history.data!.modelAliases[0].run.id).toBe(kept);
    expect(history.data!.modelAliases[0].history.map((h) => h.fromRunId)).toEqual([doomed, null]);
    const again = await server.gql(DELETE_RUN, { id: doomed }, server.keys.engineer);
    expect(again.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  }, 300_000);

  it("is refused while the run is queued or running", async () => {
    const started = await server.gql<{ startRun: { id: string } }>(
      START_RUN,
      { input: { experimentId, hyperparameters: { ...TINY_RUN, epochs: 30 } } },
      server.keys.engineer,
    );
    const id = started.data!.startRun.id;
    const queued = await server.gql(DELETE_RUN, { id }, server.keys.engineer);
    expect(queued.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "id" });
    await waitFor(async () => (await server.registry.runs.get(id))!.status === "RUNNING");
    const running = await server.gql(DELETE_RUN, { id }, server.keys.engineer);
    expect(running.errors?.[0]).toMatchObject({
      message: `run ${id} is RUNNING; cancel it and let it end before deleting it`,
      extensions: { code: "BAD_USER_INPUT", field: "id" },
    });
    await server.gql(`mutation($id: ID!) { cancelRun(id: $id) { id } }`, { id }, server.keys.engineer);
    await waitFor(async () => (await server.registry.runs.get(id))!.status === "CANCELLED");
    expect((await server.gql(DELETE_RUN, { id }, server.keys.engineer)).data).toEqual({ deleteRun: true });
    expect(existsSync(runCheckpointDir(server.db.config.artifactsDir, id))).toBe(false);
    const viewer = await server.gql(DELETE_RUN, { id }, server.keys.viewer);
    expect(viewer.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  }, 300_000);
});

describe("feature caches", () => {
  const cacheKey = (
    datasetVersion: string,
    split: string,
    seed: number,
    imageSize = 128,
  ): FeatureCacheKey => ({
    datasetVersion,
    split,
    backboneId: "nsfwjs-4.3.0-mobilenet_v2",
    taps: ["out_relu"],
    imageSize,
    augmentations: split === "train" ? ["HORIZONTAL_FLIP"] : [],
    views: split === "train" ? 3 : 1,
    seed: split === "train" ? seed : 0,
  });

  async function writeEntry(key: FeatureCacheKey): Promise<string> {
    const directory = featureCachePath(server.db.config.cacheDir, key);
    await fs.mkdir(directory, { recursive: true });
    await fs.writeFile(
      path.join(directory, "index.json"),
      JSON.stringify({ key, itemCount: 1, featureSize: 1, labels: [0] }),
    );
    await fs.writeFile(path.join(directory, "features.bin"), Buffer.alloc(12));
    return directory;
  }

  it("removes the entries a deleted run read that no remaining run reads, and nothing else", async () => {
    const { registry } = server;
    const dataset = await registry.datasets.register({
      name: "cached",
      format: "IMAGE_FOLDER",
      status: "READY",
      rootPath: path.join(tmp, "cached"),
      contentHash: "c".repeat(64),
      classes: ["a", "no-logo"],
    });
    const experiment = await registry.experiments.create({ name: "cached features", datasetId: dataset.id });
    const mobilenet = (seed: number) =>
      withDefaults({
        architecture: "MOBILENET_V2",
        pretrained: true,
        trainableLayers: "HEAD",
        imageSize: 128,
        augmentations: ["HORIZONTAL_FLIP"],
        seed,
      });
    const random = seededRandom(9);
    const [first, second] = await seedRuns(
      server.db.database.prisma,
      [1, 2].map((seed) => ({
        experimentId: experiment.id,
        hyperparameters: mobilenet(seed),
        status: "SUCCEEDED" as const,
        createdAt: new Date(Date.UTC(2026, 0, seed)),
        epochs: generatedEpochs(random, ["a", "no-logo"], 2),
      })),
    );
    const hash = dataset.contentHash!;
    const entries = {
      trainOfFirst: await writeEntry(cacheKey(hash, "train", 1)),
      trainOfSecond: await writeEntry(cacheKey(hash, "train", 2)),
      validation: await writeEntry(cacheKey(hash, "validation", 0)),
      test: await writeEntry(cacheKey(hash, "test", 0)),
      otherSize: await writeEntry(cacheKey(hash, "validation", 0, 160)),
      otherData: await writeEntry(cacheKey("d".repeat(64), "validation", 0)),
    };
    const staging = `${entries.validation}.1234.tmp`;
    await fs.mkdir(staging);

    expect((await server.gql(DELETE_RUN, { id: first }, server.keys.engineer)).data).toEqual({
      deleteRun: true,
    });
    const present = async () =>
      Object.fromEntries(
        await Promise.all(Object.entries(entries).map(async ([name, dir]) => [name, existsSync(dir)])),
      );
    expect(await present()).toEqual({
      trainOfFirst: false,
      trainOfSecond: true,
      validation: true,
      test: true,
      otherSize: true,
      otherData: true,
    });
    expect((await server.gql(DELETE_RUN, { id: second }, server.keys.engineer)).data).toEqual({
      deleteRun: true,
    });
    expect(await present()).toEqual({
      trainOfFirst: false,
      trainOfSecond: false,
      validation: false,
      test: false,
      otherSize: true,
      otherData: true,
    });
    expect(existsSync(staging)).toBe(true);
  });
});

describe("deleteExperiment and deleteDataset", () => {
  it("deletes an experiment with its runs and sweeps, refusing while one of its runs is active", async () => {
    const { registry } = server;
    const dataset = (await registry.experiments.get(experimentId))!.datasetId;
    const experiment = await registry.experiments.create({ name: "to delete", datasetId: dataset });
    const random = seededRandom(4);
    const sweep = await server.db.database.prisma.sweep.create({
      data: {
        experimentId: experiment.id,
        strategy: "GRID",
        space: {},
        baseHyperparameters: {},
        maxRuns: 2,
        seed: 0,
      },
    });
    const [finished, queued] = await seedRuns(server.db.database.prisma, [
      {
        experimentId: experiment.id,
        hyperparameters: withDefaults({ seed: 1 }),
        status: "SUCCEEDED",
        sweepId: sweep.id,
        createdAt: new Date(),
        epochs: generatedEpochs(random, ["a", "b"], 2),
      },
      {
        experimentId: experiment.id,
        hyperparameters: withDefaults({ seed: 2 }),
        status: "QUEUED",
        createdAt: new Date(),
        epochs: [],
      },
    ]);
    const refused = await server.gql(DELETE_EXPERIMENT, { id: experiment.id }, server.keys.engineer);
    expect(refused.errors?.[0]).toMatchObject({
      message: `run ${queued} is QUEUED; cancel it and let it end before deleting it`,
      extensions: { code: "BAD_USER_INPUT", runIds: [queued] },
    });
    expect(await server.db.database.prisma.run.count({ where: { experimentId: experiment.id } })).toBe(2);
    await server.db.database.prisma.run.update({ where: { id: queued }, data: { status: "CANCELLED" } });
    expect((await server.gql(DELETE_EXPERIMENT, { id: experiment.id }, server.keys.engineer)).data).toEqual({
      deleteExperiment: true,
    });
    const prisma = server.db.database.prisma;
    expect(await prisma.experiment.count({ where: { id: experiment.id } })).toBe(0);
    expect(await prisma.run.count({ where: { id: { in: [finished, queued] } } })).toBe(0);
    expect(await prisma.sweep.count({ where: { id: sweep.id } })).toBe(0);
    expect(await prisma.epochMetric.count({ where: { runId: finished } })).toBe(0);
  });

  it("refuses to delete a dataset while runs use it, then deletes it and its managed copy", async () => {
    const dataset = (await server.registry.experiments.get(experimentId))!.datasetId;
    const record = (await server.registry.datasets.get(dataset))!;
    expect(record.rootPath.startsWith(server.db.config.datasetsDir)).toBe(true);
    expect(existsSync(record.rootPath)).toBe(true);
    const refused = await server.gql(DELETE_DATASET, { id: dataset }, server.keys.engineer);
    expect(refused.errors?.[0]).toMatchObject({
      extensions: { code: "BAD_USER_INPUT", field: "id" },
    });
    expect(refused.errors?.[0].message).toMatch(
      /^\d+ run\(s\) use dataset .*; delete them \(or their experiments\) first$/,
    );
    expect(existsSync(record.rootPath)).toBe(true);

    // An alias still serves one of its runs, so the experiment is protected until the alias is gone.
    const protectedByAlias = await server.gql(DELETE_EXPERIMENT, { id: experimentId }, server.keys.engineer);
    expect(protectedByAlias.errors?.[0].extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      aliases: ["production"],
    });
    await server.db.database.prisma.modelAlias.deleteMany();
    expect((await server.gql(DELETE_EXPERIMENT, { id: experimentId }, server.keys.engineer)).data).toEqual({
      deleteExperiment: true,
    });
    const empty = await server.registry.experiments.create({
      name: "empty, on the same dataset",
      datasetId: dataset,
    });
    expect((await server.gql(DELETE_DATASET, { id: dataset }, server.keys.engineer)).data).toEqual({
      deleteDataset: true,
    });
    expect(await server.registry.datasets.get(dataset)).toBeNull();
    expect(await server.registry.experiments.get(empty.id)).toBeNull();
    expect(existsSync(record.rootPath)).toBe(false);
    // The import's source folder is not LogoLab's to delete.
    expect(existsSync(path.join(tmp, "deletion"))).toBe(true);
    const runDirs = await fs.readdir(path.join(server.db.config.artifactsDir, "runs")).catch(() => []);
    expect(runDirs).toEqual([]);
  });

  it("answers unknown ids with NOT_FOUND", async () => {
    for (const mutation of [DELETE_RUN, DELETE_EXPERIMENT, DELETE_DATASET]) {
      for (const id of ["00000000-0000-7000-8000-000000000000", "not-an-id"]) {
        const res = await server.gql(mutation, { id }, server.keys.engineer);
        expect(res.errors?.[0].extensions?.code).toBe("NOT_FOUND");
      }
    }
  });
});

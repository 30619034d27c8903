import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createExperimentWithDataset, TINY_RUN } from "../support/runFixtures";
import { startTestServer, type TestServer } from "../support/testServer";
import { waitFor } from "../support/waitFor";

let server: TestServer;
let tmp: string;
let experimentId: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-sweeps-"));
  server = await startTestServer({ LOGOLAB_WORKERS: "1", LOGOLAB_HEARTBEAT_MS: "300" });
  experimentId = await createExperimentWithDataset(server, "sweeps", tmp);
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

const START = `mutation($input: StartSweepInput!) {
  startSweep(input: $input) { id status strategy maxRuns runCounts { total queued running succeeded } dimensions { name values min max scale } }
}`;
const SWEEP = `query($id: ID!) {
  sweep(id: $id) {
    status
    runCounts { queued running succeeded failed cancelled total }
    bestRun { id bestValMacroF1 }
    runs(first: 50) { totalCount nodes { id status bestValMacroF1 sweep { id } hyperparameters { learningRate lossWeighting weightDecay epochs } } }
  }
}`;

type SweepData = {
  sweep: {
    status: string;
    runCounts: Record<string, number>;
    bestRun: { id: string; bestValMacroF1: number } | null;
    runs: {
      totalCount: number;
      nodes: {
        id: string;
        status: string;
        bestValMacroF1: number | null;
        sweep: { id: string };
        hyperparameters: { learningRate: number; lossWeighting: string; weightDecay: number; epochs: number };
      }[];
    };
  };
};

async function sweepOf(id: string): Promise<SweepData["sweep"]> {
  const res = await server.gql<SweepData>(SWEEP, { id }, server.keys.viewer);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.sweep;
}

async function counts(): Promise<[number, number, number]> {
  const prisma = server.db.database.prisma;
  const [{ jobs }] = await prisma.$queryRaw<{ jobs: number }[]>`SELECT count(*)::int AS jobs FROM pgboss.job`;
  return [await prisma.run.count(), await prisma.sweep.count(), jobs];
}

describe("a GRID sweep", () => {
  it("runs exactly the 4 runs of a 2×2 grid, each point once, and knows its best run", async () => {
    const res = await server.gql<{
      startSweep: {
        id: string;
        status: string;
        runCounts: { total: number; queued: number; running: number; succeeded: number };
      };
    }>(
      START,
      {
        input: {
          experimentId,
          strategy: "GRID",
          space: { learningRate: [0.05, 0.01], lossWeighting: ["NONE", "INVERSE_FREQUENCY"] },
          hyperparameters: { ...TINY_RUN, epochs: 1 },
        },
      },
      server.keys.engineer,
    );
    expect(res.errors).toBeUndefined();
    const started = res.data!.startSweep;
    expect(started).toMatchObject({
      status: "RUNNING",
      strategy: "GRID",
      maxRuns: 4,
      runCounts: { total: 4 },
      dimensions: [
        { name: "learningRate", values: ["0.05", "0.01"], min: null, max: null, scale: null },
        {
          name: "lossWeighting",
          values: ['"NONE"', '"INVERSE_FREQUENCY"'],
          min: null,
          max: null,
          scale: null,
        },
      ],
    });
    // The single worker may already have claimed the first run by the time the counts are read.
    const { queued, running, succeeded } = started.runCounts;
    expect(queued + running + succeeded).toBe(4);
    expect(queued).toBeGreaterThanOrEqual(3);
    await waitFor(async () => (await sweepOf(started.id)).status !== "RUNNING", 240_000, 500);
    const sweep = await sweepOf(started.id);
    expect(sweep.status).toBe("SUCCEEDED");
    expect(sweep.runCounts).toEqual({
      queued: 0,
      running: 0,
      succeeded: 4,
      failed: 0,
      cancelled: 0,
      total: 4,
    });
    expect(sweep.runs.totalCount).toBe(4);
    const points = sweep.runs.nodes.map((r) => [
      r.hyperparameters.learningRate,
      r.hyperparameters.lossWeighting,
    ]);
    expect(points).toEqual([
      [0.05, "NONE"],
      [0.05, "INVERSE_FREQUENCY"],
      [0.01, "NONE"],
      [0.01, "INVERSE_FREQUENCY"],
    ]);
    expect(sweep.runs.nodes.every((r) => r.sweep.id === started.id && r.hyperparameters.epochs === 1)).toBe(
      true,
    );
    expect(await server.db.database.prisma.run.count({ where: { sweepId: started.id } })).toBe(4);
    const best = [...sweep.runs.nodes].sort(
      (a, b) => b.bestValMacroF1! - a.bestValMacroF1! || (a.id < b.id ? 1 : -1),
    )[0];
    expect(sweep.bestRun).toEqual({ id: best.id, bestValMacroF1: best.bestValMacroF1 });
    // Its runs are found with the run search too.
    const found = await server.gql<{ runs: { totalCount: number } }>(
      `query($q: String) { runs(query: $q) { totalCount } }`,
      { q: `sweep = ${started.id}` },
      server.keys.viewer,
    );
    expect(found.data!.runs.totalCount).toBe(4);
    const finished = await server.gql(
      `mutation($id: ID!) { cancelSweep(id: $id) { status } }`,
      { id: started.id },
      server.keys.engineer,
    );
    expect(finished.errors?.[0]).toMatchObject({
      message: `sweep ${started.id} has finished (SUCCEEDED); only a sweep with queued or running runs can be cancelled`,
      extensions: { code: "BAD_USER_INPUT", field: "id", status: "SUCCEEDED" },
    });
  }, 300_000);

  it("validates every point before writing anything", async () => {
    const before = await counts();
    const res = await server.gql(
      START,
      {
        input: {
          experimentId,
          strategy: "GRID",
          space: { imageSize: [96, 48], batchSize: [4] },
          hyperparameters: TINY_RUN,
        },
      },
      server.keys.engineer,
    );
    expect(res.errors?.[0]).toMatchObject({
      message:
        "space point 2 (imageSize=48, batchSize=4): hyperparameters.imageSize must be an integer in [96, 512], got 48",
      extensions: { code: "BAD_USER_INPUT", field: "imageSize", point: 2 },
    });
    const tooBig = await server.gql(
      START,
      {
        input: {
          experimentId,
          strategy: "GRID",
          maxRuns: 3,
          space: { seed: [1, 2], learningRate: [0.1, 0.2] },
        },
      },
      server.keys.engineer,
    );
    expect(tooBig.errors?.[0]).toMatchObject({
      message: "maxRuns allows 3 runs but the grid has 4 points",
      extensions: { code: "BAD_USER_INPUT", field: "maxRuns" },
    });
    const unknown = await server.gql(
      START,
      {
        input: {
          experimentId: "00000000-0000-7000-8000-000000000000",
          strategy: "GRID",
          space: { seed: [1] },
        },
      },
      server.keys.engineer,
    );
    expect(unknown.errors?.[0].extensions?.code).toBe("NOT_FOUND");
    const viewer = await server.gql(
      START,
      { input: { experimentId, strategy: "GRID", space: { seed: [1] } } },
      server.keys.viewer,
    );
    expect(viewer.errors?.[0].extensions?.code).toBe("FORBIDDEN");
    expect(await counts()).toEqual(before);
  });
});

describe("a RANDOM sweep", () => {
  it("draws maxRuns seeded points, and cancelling it mid-sweep leaves no queued run", async () => {
    const res = await server.gql<{ startSweep: { id: string; dimensions: unknown[] } }>(
      START,
      {
        input: {
          experimentId,
          strategy: "RANDOM",
          maxRuns: 3,
          seed: 11,
          space: {
            learningRateRange: { min: 0.001, max: 0.1, scale: "LOG" },
            weightDecayRange: { min: 0, max: 0.01 },
          },
          hyperparameters: { ...TINY_RUN, epochs: 30 },
        },
      },
      server.keys.engineer,
    );
    expect(res.errors).toBeUndefined();
    const id = res.data!.startSweep.id;
    expect(res.data!.startSweep.dimensions).toEqual([
      { name: "learningRate", values: [], min: 0.001, max: 0.1, scale: "LOG" },
      { name: "weightDecay", values: [], min: 0, max: 0.01, scale: "LINEAR" },
    ]);
    const drawn = (await sweepOf(id)).runs.nodes.map((r) => r.hyperparameters);
    expect(drawn).toHaveLength(3);
    for (const h of drawn) {
      expect(h.learningRate).toBeGreaterThanOrEqual(0.001);
      expect(h.learningRate).toBeLessThanOrEqual(0.1);
      expect(h.weightDecay).toBeGreaterThanOrEqual(0);
      expect(h.weightDecay).toBeLessThanOrEqual(0.01);
    }
    await waitFor(async () => (await sweepOf(id)).runCounts.running === 1, 120_000);

    const cancelled = await server.gql<{ cancelSweep: { status: string } }>(
      `mutation($id: ID!) { cancelSweep(id: $id) { status } }`,
      { id },
      server.keys.engineer,
    );
    expect(cancelled.data!.cancelSweep.status).toBe("CANCELLED");
    // Right away: the two waiting runs are cancelled and their jobs are gone from the queue.
    const runs = await server.db.database.prisma.run.findMany({ where: { sweepId: id } });
    expect(runs.filter((r) => r.status === "QUEUED")).toEqual([]);
    // The two waiting ones at once (the running one may have stopped already too).
    expect(runs.filter((r) => r.status === "CANCELLED").length).toBeGreaterThanOrEqual(2);
    const waiting = await server.db.database.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pgboss.job WHERE state = 'created' AND data->>'runId' = ANY(${runs.map((r) => r.id)})`;
    expect(waiting[0].n).toBe(0);
    // The running one stops after its current batch.
    await waitFor(async () => (await sweepOf(id)).runCounts.running === 0, 60_000);
    const sweep = await sweepOf(id);
    expect(sweep.status).toBe("CANCELLED");
    expect(sweep.runCounts).toMatchObject({ queued: 0, running: 0, cancelled: 3, total: 3 });

    const again = await server.gql<{ cancelSweep: { status: string } }>(
      `mutation($id: ID!) { cancelSweep(id: $id) { status } }`,
      { id },
      server.keys.engineer,
    );
    expect(again.data!.cancelSweep.status).toBe("CANCELLED");
    const missing = await server.gql(
      `mutation { cancelSweep(id: "00000000-0000-7000-8000-000000000000") { status } }`,
      {},
      server.keys.engineer,
    );
    expect(missing.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  }, 300_000);

  it("lists sweeps newest first, per experiment", async () => {
    const res = await server.gql<{
      sweeps: { totalCount: number; nodes: { strategy: string; experiment: { id: string } }[] };
    }>(
      `query($id: ID!) { sweeps(filter: { experimentId: $id }) { totalCount nodes { strategy experiment { id } } } }`,
      { id: experimentId },
      server.keys.viewer,
    );
    expect(res.data!.sweeps.totalCount).toBe(2);
    expect(res.data!.sweeps.nodes.map((s) => s.strategy)).toEqual(["RANDOM", "GRID"]);
  });
});

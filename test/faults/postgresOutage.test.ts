import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { startPlatform, type Platform } from "../../src/cli/platform";
import { loadConfig } from "../../src/config";
import { openDatabase, type Database } from "../../src/db/database";
import { createRegistry, type Registry } from "../../src/experiments/registry";
import { activeBackend, selectBackend } from "../../src/ml/backend";
import { startServer, type RunningServer } from "../../src/server";
import { classImage } from "../support/imageFolder";
import { startOwnPostgres, type OwnPostgres } from "../support/ownPostgres";
import { createExperimentWithDataset, FOUR_CLASSES, START_RUN, TINY_RUN } from "../support/runFixtures";
import type { GraphQLResponse, TestServer } from "../support/testServer";
import { waitFor } from "../support/waitFor";
import { collect, wsClient } from "../support/wsClient";

/**
 * PostgreSQL stopped under classify and query load while a run trains, then started again — on a
 * server of this test's own (port 55433), never the shared one.
 */
const PORT = Number(process.env.LOGOLAB_FAULT_PG_PORT ?? 55433);
const OUTAGE_MS = 5_000;
const EPOCHS = 8;

const LIST = `{ experiments(first: 3) { totalCount } }`;
const CLASSIFY = `mutation($input: ClassifyImageInput!) { classifyImage(input: $input) { __typename ... on Classification { label } } }`;

type Phase = "before" | "down" | "after";
interface Sample {
  phase: Phase;
  at: number;
  what: "query" | "classify" | "healthz";
  status: number | "no answer";
  codes: unknown[];
  isOk: boolean;
}

let own: OwnPostgres;
let home: string;
let database: Database;
let registry: Registry;
let platform: Platform;
let server: RunningServer;
let keys: { viewer: string; service: string; engineer: string; admin: string };
const unexpected: unknown[] = [];

async function gql(
  query: string,
  variables?: Record<string, unknown>,
  key?: string,
): Promise<GraphQLResponse> {
  const response = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...(await response.json()) };
}

beforeAll(async () => {
  own = startOwnPostgres(PORT);
  home = fs.mkdtempSync(path.join(os.tmpdir(), "logolab-fault-home-"));
  const config = loadConfig({
    DATABASE_URL: await own.createDatabase("logolab_faults"),
    PORT: "0",
    LOGOLAB_HOME: home,
    LOGOLAB_WORKERS: "1",
    LOGOLAB_DEFAULT_DATASET: "false",
    LOGOLAB_LOG_LEVEL: "silent",
    LOGOLAB_HEARTBEAT_MS: "500",
    LOGOLAB_CLASSIFY_RATE: "1000",
    LOGOLAB_CLASSIFY_BURST: "1000",
    LOGOLAB_SERVE_THREADS: "1",
  });
  database = await openDatabase(config);
  registry = createRegistry(database.prisma);
  const created = await Promise.all(
    (["VIEWER", "SERVICE", "ENGINEER", "ADMIN"] as const).map((role) => registry.apiKeys.create(role, role)),
  );
  keys = {
    viewer: created[0].secret,
    service: created[1].secret,
    engineer: created[2].secret,
    admin: created[3].secret,
  };
  await selectBackend(config.mlBackend);
  const logError = (error: unknown) => unexpected.push(error);
  platform = await startPlatform(config, database, { workerCount: 1, logError });
  server = await startServer({
    config,
    database,
    registry,
    services: platform.services,
    mlBackend: activeBackend,
    logError,
    metrics: platform.metrics,
  });
}, 60_000);

afterAll(async () => {
  try {
    await server?.stop();
    await platform?.stop();
    await database?.close();
  } finally {
    own?.destroy();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  }
}, 60_000);

it("answers clear errors while PostgreSQL is down, recovers fully after, and the run loses no epoch", async () => {
  const asServer = { gql, keys } as unknown as TestServer;
  const experimentId = await createExperimentWithDataset(asServer, "outage", home, {
    train: 4,
    val: 2,
    test: 1,
  });
  const runIdOf = async (epochs: number) =>
    (
      (
        await gql(
          START_RUN,
          { input: { experimentId, hyperparameters: { ...TINY_RUN, epochs } } },
          keys.engineer,
        )
      ).data as { startRun: { id: string } }
    ).startRun.id;
  const modelRun = await runIdOf(2);
  const statusOf = async (runId: string) =>
    (await database.prisma.run.findUnique({ where: { id: runId } }))?.status;
  await waitFor(async () => (await statusOf(modelRun)) === "SUCCEEDED", 120_000);
  const imageBase64 = (
    await sharp(await classImage(FOUR_CLASSES.red, 1))
      .png()
      .toBuffer()
  ).toString("base64");

  const trainedRun = await runIdOf(EPOCHS);
  const subscriber = wsClient(`${server.url}/graphql`, keys.viewer);
  const events = collect<{
    runProgress: { kind: string; status: string | null; epoch: { epoch: number } | null };
  }>(subscriber, `subscription($runId: ID!) { runProgress(runId: $runId) { kind status epoch { epoch } } }`, {
    runId: trainedRun,
  });
  let phase: Phase = "before";
  const samples: Sample[] = [];
  let isLoading = true;
  const probe = async (what: Sample["what"]) => {
    try {
      if (what === "healthz") {
        const response = await fetch(`${server.url}/healthz`);
        await response.text();
        samples.push({ phase, at: Date.now(), what, status: response.status, codes: [], isOk: response.ok });
        return;
      }
      const res =
        what === "query"
          ? await gql(LIST, {}, keys.viewer)
          : await gql(CLASSIFY, { input: { imageBase64, model: modelRun } }, keys.service);
      const codes = (res.errors ?? []).map((error) => error.extensions?.code);
      samples.push({
        phase,
        at: Date.now(),
        what,
        status: res.status,
        codes,
        isOk: codes.length === 0 && !!res.data,
      });
    } catch {
      samples.push({ phase, at: Date.now(), what, status: "no answer", codes: [], isOk: false });
    }
  };
  const load = (async () => {
    while (isLoading) {
      await Promise.all([probe("query"), probe("classify"), probe("classify"), probe("healthz")]);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();

  await waitFor(
    async () => (await database.prisma.epochMetric.count({ where: { runId: trainedRun } })) >= 1,
    120_000,
  );
  phase = "down";
  own.stop();
  const stoppedAt = Date.now();
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
  own.start();
  const restartedAt = Date.now();
  phase = "after";
  await waitFor(async () => {
    const status = await statusOf(trainedRun).catch(() => undefined);
    return status === "SUCCEEDED" || status === "FAILED";
  }, 180_000);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  isLoading = false;
  await load;

  // The process never stopped answering, and every error said what it was.
  expect(samples.filter((sample) => sample.status === "no answer")).toEqual([]);
  for (const sample of samples.filter((s) => !s.isOk && s.what !== "healthz")) {
    expect(sample.codes.length).toBeGreaterThan(0);
    for (const code of sample.codes) expect(typeof code).toBe("string");
  }
  const down = samples.filter((s) => s.phase === "down" && s.at > stoppedAt + 500);
  expect(down.filter((s) => s.what === "healthz" && s.status === 503).length).toBeGreaterThan(0);
  expect(down.filter((s) => s.what === "query" && !s.isOk).length).toBeGreaterThan(0);
  // Full recovery: everything answered normally in the last second of load.
  const last = samples.filter((s) => s.at > Date.now() - 3_000);
  expect(last.length).toBeGreaterThan(4);
  expect(last.filter((s) => !s.isOk)).toEqual([]);
  const recoveredAt = Math.min(
    ...samples.filter((s) => s.phase === "after" && s.isOk && s.what === "query").map((s) => s.at),
  );
  const metricsText = await (await fetch(`${server.url}/metrics`)).text();
  const retries = [...metricsText.matchAll(/^logolab_database_retries_total\{step="(\w+)"\} (\d+)$/gm)]
    .map(([, step, count]) => `${step} ${count}`)
    .join(", ");
  console.log(`worker database retries during the outage: ${retries || "none (no worker step fell in it)"}`);
  console.log(
    `PostgreSQL outage: ${down.length} samples while down (${down.filter((s) => !s.isOk).length} errors: ` +
      `${[...new Set(down.flatMap((s) => s.codes))].join(", ")}); queries answered again ${recoveredAt - restartedAt} ms after the restart`,
  );

  // No stuck run, no lost or duplicated epoch.
  const finished = await database.prisma.run.findUnique({ where: { id: trainedRun } });
  expect({ status: finished?.status, error: finished?.error }).toEqual({ status: "SUCCEEDED", error: null });
  const epochs = await database.prisma.epochMetric.findMany({
    where: { runId: trainedRun },
    orderBy: { epoch: "asc" },
  });
  expect(epochs.map((epoch) => epoch.epoch)).toEqual(Array.from({ length: EPOCHS }, (_, i) => i + 1));
  // The subscriber opened before the outage still got the run's last epoch and its end.
  const received = (await events).map((event) => event.runProgress);
  await subscriber.dispose();
  expect(received.filter((event) => event.kind === "EPOCH").map((event) => event.epoch!.epoch)).toContain(
    EPOCHS,
  );
  expect(received.at(-1)).toMatchObject({ kind: "STATUS", status: "SUCCEEDED" });
}, 400_000);

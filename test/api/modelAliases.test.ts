import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createExperimentWithDataset, START_RUN, TINY_RUN } from "../support/runFixtures";
import { startTestServer, type TestServer } from "../support/testServer";
import { waitFor } from "../support/waitFor";
import { withDefaults } from "../../src/ml/hyperparameters";

let server: TestServer;
let tmp: string;
let runs: string[];
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-aliases-"));
  server = await startTestServer({ LOGOLAB_WORKERS: "1" });
  const experimentId = await createExperimentWithDataset(server, "aliases", tmp);
  runs = [];
  for (const seed of [1, 2]) {
    const res = await server.gql<{ startRun: { id: string } }>(
      START_RUN,
      { input: { experimentId, hyperparameters: { ...TINY_RUN, epochs: 1, seed } } },
      server.keys.engineer,
    );
    runs.push(res.data!.startRun.id);
  }
  await waitFor(
    async () => (await server.db.database.prisma.run.count({ where: { status: "SUCCEEDED" } })) === 2,
  );
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

const SET = `mutation($input: SetModelAliasInput!) {
  setModelAlias(input: $input) { name run { id } checkpoint { epoch sha256 bytes } history { fromRunId toRunId changedByKeyId } }
}`;

type Alias = {
  setModelAlias: {
    name: string;
    run: { id: string };
    checkpoint: { epoch: number; sha256: string; bytes: number };
    history: { fromRunId: string | null; toRunId: string; changedByKeyId: string | null }[];
  };
};

it("points an alias at a run's best checkpoint and keeps every change, newest first", async () => {
  const first = await server.gql<Alias>(
    SET,
    { input: { name: "production", runId: runs[0] } },
    server.keys.engineer,
  );
  expect(first.errors).toBeUndefined();
  expect(first.data!.setModelAlias).toMatchObject({
    name: "production",
    run: { id: runs[0] },
    checkpoint: { epoch: 1 },
  });
  expect(first.data!.setModelAlias.checkpoint.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(first.data!.setModelAlias.checkpoint.bytes).toBeGreaterThan(1000);

  const second = await server.gql<Alias>(
    SET,
    { input: { name: "production", runId: runs[1] } },
    server.keys.engineer,
  );
  const engineerKey = await server.db.database.prisma.apiKey.findFirstOrThrow({
    where: { role: "ENGINEER" },
  });
  expect(second.data!.setModelAlias.history).toEqual([
    { fromRunId: runs[0], toRunId: runs[1], changedByKeyId: engineerKey.id },
    { fromRunId: null, toRunId: runs[0], changedByKeyId: engineerKey.id },
  ]);
  const listed = await server.gql(`{ modelAliases { name run { id } } }`, {}, server.keys.viewer);
  expect(listed.data).toEqual({ modelAliases: [{ name: "production", run: { id: runs[1] } }] });
});

it("rejects a bad name, an unknown run and a run without checkpoints, changing nothing", async () => {
  const queued = await server.registry.runLifecycle.createQueued(
    (await server.registry.runs.get(runs[0]))!.experimentId,
    withDefaults({ architecture: "ALEXNET_LITE", batchSize: 4, imageSize: 96, epochs: 1, seed: 1 }),
  );
  const cases: [Record<string, string>, string, string][] = [
    [{ name: "Prod!", runId: runs[0] }, "BAD_USER_INPUT", "name"],
    [{ name: "production", runId: "00000000-0000-7000-8000-000000000000" }, "NOT_FOUND", ""],
    [{ name: "production", runId: queued.id }, "BAD_USER_INPUT", "runId"],
  ];
  for (const [input, code, field] of cases) {
    const res = await server.gql(SET, { input }, server.keys.engineer);
    expect(res.errors?.[0].extensions?.code).toBe(code);
    if (field) expect(res.errors?.[0].extensions?.field).toBe(field);
  }
  const alias = await server.registry.modelAliases.get("production");
  expect(alias!.runId).toBe(runs[1]);
  expect(
    (await server.gql(SET, { input: { name: "x", runId: runs[0] } }, server.keys.viewer)).errors?.[0]
      .extensions?.code,
  ).toBe("FORBIDDEN");
});

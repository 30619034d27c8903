import { spawn } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { BUILT_CLI } from "../support/builtCli";
import { createExperimentWithDataset, START_RUN, TINY_RUN } from "../support/runFixtures";
import { startTestServer, type TestServer } from "../support/testServer";
import { waitFor } from "../support/waitFor";

let server: TestServer;
let tmp: string;
let runId: string;
let datasetId: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-cli-models-"));
  server = await startTestServer({ LOGOLAB_WORKERS: "1" });
  const experimentId = await createExperimentWithDataset(server, "cli-models", tmp, {
    train: 4,
    val: 2,
    test: 2,
  });
  const started = await server.gql<{ startRun: { id: string } }>(
    START_RUN,
    { input: { experimentId, hyperparameters: { ...TINY_RUN, epochs: 2, seed: 5 } } },
    server.keys.engineer,
  );
  runId = started.data!.startRun.id;
  await waitFor(async () => (await server.registry.runs.get(runId))?.status === "SUCCEEDED", 120_000);
  datasetId = (await server.registry.experiments.get(experimentId))!.datasetId;
  await server.registry.modelAliases.set("production", runId, null);
}, 180_000);
afterAll(async () => {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Runs the built `logolab` against the test server's database. */
function logolab(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BUILT_CLI, ...args], {
      env: {
        ...process.env,
        DATABASE_URL: server.db.scratch.url,
        LOGOLAB_HOME: server.db.config.home,
        LOGOLAB_DEFAULT_DATASET: "false",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

it("logolab classify prints each image's label, probability, top labels and model version", async () => {
  const dataset = (await server.registry.datasets.get(datasetId))!;
  const files = ["test/red/test-0.png", "test/blue/test-1.png"].map((f) => path.join(dataset.rootPath, f));
  const result = await logolab(["classify", ...files, "--top", "2"]);
  expect(result.code).toBe(0);
  const lines = result.stdout.trim().split("\n");
  expect(lines).toHaveLength(2);
  const checkpoint = (await server.registry.modelAliases.resolveForServing("production"))!.checkpoint;
  for (const [i, line] of lines.entries()) {
    expect(line).toMatch(
      new RegExp(
        `^${files[i]}: [a-z-]+ \\(\\d\\.\\d{3}\\) \\| top [a-z-]+ \\d\\.\\d{3}, [a-z-]+ \\d\\.\\d{3} \\| ${runId}:${checkpoint.sha256}$`,
      ),
    );
  }
});

it("logolab classify names a missing model and exits non-zero", async () => {
  const dataset = (await server.registry.datasets.get(datasetId))!;
  const result = await logolab([
    "classify",
    path.join(dataset.rootPath, "test/red/test-0.png"),
    "--model",
    "nope",
  ]);
  expect(result.code).toBe(1);
  expect(result.stdout).toContain('no model "nope"');
});

it("logolab evaluate stores an evaluation and prints its scores beside the baseline", async () => {
  const before = await server.registry.evaluations.count({ runId });
  const result = await logolab(["evaluate", "--dataset", datasetId, "--split", "test"]);
  expect(result.code).toBe(0);
  expect(await server.registry.evaluations.count({ runId })).toBe(before + 1);
  const [evaluation] = (await server.registry.evaluations.list({ first: 1 }, { runId })).nodes;
  expect(evaluation.status).toBe("SUCCEEDED");
  expect(result.stdout).toContain(`evaluation ${evaluation.id}: 8 images of split TEST`);
  expect(result.stdout).toContain(`accuracy           ${(evaluation.accuracy! * 100).toFixed(1)}%`);
  expect(result.stdout).toContain("(always the most frequent class: 25.0%)");
  expect(result.stdout).toMatch(/macro-F1 +\d\.\d{3}/);
});

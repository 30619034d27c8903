import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createExperimentWithDataset, START_RUN, TINY_RUN } from "../support/runFixtures";
import { startTestServer, type TestServer } from "../support/testServer";
import { waitFor } from "../support/waitFor";

let server: TestServer;
let tmp: string;
let runId: string;
let datasetId: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-evaluations-"));
  server = await startTestServer({ LOGOLAB_WORKERS: "1" });
  const experimentId = await createExperimentWithDataset(server, "evaluations", tmp, {
    train: 4,
    val: 2,
    test: 3,
  });
  const started = await server.gql<{ startRun: { id: string } }>(
    START_RUN,
    { input: { experimentId, hyperparameters: { ...TINY_RUN, epochs: 2, seed: 3 } } },
    server.keys.engineer,
  );
  runId = started.data!.startRun.id;
  await waitFor(async () => (await server.registry.runs.get(runId))?.status === "SUCCEEDED", 120_000);
  datasetId = (await server.registry.experiments.get(experimentId))!.datasetId;
  await server.gql(
    `mutation($input: SetModelAliasInput!) { setModelAlias(input: $input) { name } }`,
    { input: { name: "production", runId } },
    server.keys.engineer,
  );
}, 180_000);
afterAll(async () => {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

const EVALUATE = `mutation($input: EvaluateModelInput!) { evaluateModel(input: $input) { id status split imageCount } }`;
const EVALUATION = `query($id: ID!) { evaluation(id: $id) {
  id status error split imageCount accuracy macroF1 majorityBaselineAccuracy noLogoThreshold
  recognition { precision recall }
  perClass { label precision recall f1 support }
  confusionMatrix { labels counts }
  model { reference run { id } checkpoint { epoch } }
  dataset { id }
  predictions(first: 100) { totalCount nodes { position file truth predicted probability isCorrect box { x } } }
} }`;

interface Prediction {
  position: number;
  file: string;
  truth: string;
  predicted: string;
  probability: number;
  isCorrect: boolean;
  box: null;
}
interface EvaluationResult {
  evaluation: {
    id: string;
    status: string;
    error: string | null;
    split: string;
    imageCount: number;
    accuracy: number;
    macroF1: number;
    majorityBaselineAccuracy: number;
    noLogoThreshold: number | null;
    recognition: { precision: number; recall: number } | null;
    perClass: { label: string; f1: number; support: number }[];
    confusionMatrix: { labels: string[]; counts: number[][] };
    model: { reference: string; run: { id: string }; checkpoint: { epoch: number } };
    dataset: { id: string };
    predictions: { totalCount: number; nodes: Prediction[] };
  };
}

async function evaluateToEnd(input: Record<string, unknown>): Promise<EvaluationResult["evaluation"]> {
  const started = await server.gql<{ evaluateModel: { id: string; status: string } }>(
    EVALUATE,
    { input },
    server.keys.engineer,
  );
  expect(started.errors).toBeUndefined();
  expect(started.data!.evaluateModel.status).toBe("RUNNING");
  const id = started.data!.evaluateModel.id;
  let result: EvaluationResult["evaluation"] | undefined;
  await waitFor(async () => {
    result = (await server.gql<EvaluationResult>(EVALUATION, { id }, server.keys.viewer)).data!.evaluation;
    return result.status !== "RUNNING";
  }, 60_000);
  return result!;
}

it("scores the production model on the test split and stores every image's answer", async () => {
  const evaluation = await evaluateToEnd({ datasetId });
  expect(evaluation.status).toBe("SUCCEEDED");
  expect(evaluation.split).toBe("TEST");
  expect(evaluation.model).toEqual({
    reference: "production",
    run: { id: runId },
    checkpoint: expect.anything(),
  });
  expect(evaluation.dataset.id).toBe(datasetId);
  const predictions = evaluation.predictions.nodes;
  expect(evaluation.imageCount).toBe(12);
  expect(evaluation.predictions.totalCount).toBe(12);
  expect(predictions.map((p) => p.position)).toEqual([...Array(12).keys()]);
  // Brute force from the stored answers.
  const correct = predictions.filter((p) => p.truth === p.predicted).length;
  expect(evaluation.accuracy).toBeCloseTo(correct / 12, 12);
  expect(predictions.every((p) => p.isCorrect === (p.truth === p.predicted))).toBe(true);
  const labels = evaluation.confusionMatrix.labels;
  for (const p of predictions) expect(p.file).toMatch(new RegExp(`^test/${p.truth}/`));
  const counted = labels.map((t) =>
    labels.map((q) => predictions.filter((p) => p.truth === t && p.predicted === q).length),
  );
  expect(evaluation.confusionMatrix.counts).toEqual(counted);
  const f1s = evaluation.perClass.filter((m) => m.support > 0).map((m) => m.f1);
  expect(evaluation.macroF1).toBeCloseTo(f1s.reduce((a, b) => a + b, 0) / f1s.length, 12);
  expect(evaluation.majorityBaselineAccuracy).toBeCloseTo(3 / 12, 12);
  expect(evaluation.recognition).not.toBeNull();
});

it("answers each image as classifyImage answers it (the same serving path)", async () => {
  const evaluation = await evaluateToEnd({ model: runId, datasetId, split: "VAL" });
  const dataset = (await server.registry.datasets.get(datasetId))!;
  for (const prediction of evaluation.predictions.nodes) {
    const bytes = await fs.readFile(path.join(dataset.rootPath, prediction.file));
    const res = await server.gql<{ classifyImage: { label: string; probability: number } }>(
      `mutation($input: ClassifyImageInput!) { classifyImage(input: $input) { ... on Classification { label probability } } }`,
      { input: { imageBase64: bytes.toString("base64"), model: runId } },
      server.keys.service,
    );
    expect(res.data!.classifyImage.label).toBe(prediction.predicted);
    expect(res.data!.classifyImage.probability).toBeCloseTo(prediction.probability, 5);
  }
});

it("lists one confusion cell's images: truth and answer filters, mistakes only", async () => {
  const evaluation = await evaluateToEnd({ datasetId });
  const all = evaluation.predictions.nodes;
  const cell = all[0];
  const res = await server.gql<{
    evaluation: { cell: { totalCount: number; nodes: Prediction[] }; mistakes: { totalCount: number } };
  }>(
    `query($id: ID!, $truth: String, $predicted: String) { evaluation(id: $id) {
      cell: predictions(truth: $truth, predicted: $predicted) { totalCount nodes { position truth predicted } }
      mistakes: predictions(isCorrect: false) { totalCount }
    } }`,
    { id: evaluation.id, truth: cell.truth, predicted: cell.predicted },
    server.keys.viewer,
  );
  const expectedCell = all.filter((p) => p.truth === cell.truth && p.predicted === cell.predicted);
  expect(res.data!.evaluation.cell.totalCount).toBe(expectedCell.length);
  expect(res.data!.evaluation.cell.nodes.map((p) => p.position)).toEqual(expectedCell.map((p) => p.position));
  expect(res.data!.evaluation.mistakes.totalCount).toBe(all.filter((p) => !p.isCorrect).length);
});

it("pages through the answers with cursors, each image once, in split order", async () => {
  const evaluation = await evaluateToEnd({ datasetId });
  const seen: number[] = [];
  let after: string | null = null;
  do {
    const res: {
      data?: {
        evaluation: {
          predictions: {
            nodes: { position: number }[];
            pageInfo: { hasNextPage: boolean; endCursor: string | null };
          };
        };
      } | null;
    } = await server.gql(
      `query($id: ID!, $after: String) { evaluation(id: $id) { predictions(first: 5, after: $after) {
          nodes { position } pageInfo { hasNextPage endCursor } } } }`,
      { id: evaluation.id, after },
      server.keys.viewer,
    );
    const page = res.data!.evaluation.predictions;
    seen.push(...page.nodes.map((n) => n.position));
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  expect(seen).toEqual([...Array(12).keys()]);
});

it("refuses an unknown model or dataset and a viewer key, storing nothing", async () => {
  const before = await server.registry.evaluations.count();
  const unknownModel = await server.gql(
    EVALUATE,
    { input: { model: "staging", datasetId } },
    server.keys.engineer,
  );
  expect(unknownModel.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  const unknownDataset = await server.gql(
    EVALUATE,
    { input: { datasetId: "00000000-0000-7000-8000-000000000000" } },
    server.keys.engineer,
  );
  expect(unknownDataset.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  const viewer = await server.gql(EVALUATE, { input: { datasetId } }, server.keys.viewer);
  expect(viewer.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  expect(await server.registry.evaluations.count()).toBe(before);
});

it("lists a run's evaluations on the run", async () => {
  const res = await server.gql<{ run: { evaluations: { id: string; status: string }[] } }>(
    `query($id: ID!) { run(id: $id) { evaluations { id status } } }`,
    { id: runId },
    server.keys.viewer,
  );
  expect(res.data!.run.evaluations.length).toBeGreaterThanOrEqual(4);
  expect(res.data!.run.evaluations.every((e) => e.status === "SUCCEEDED")).toBe(true);
});

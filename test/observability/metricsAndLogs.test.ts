import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import sharp from "sharp";
import { createLogger } from "../../src/observability/logger";
import { startMetricsServer } from "../../src/observability/metricsServer";
import { classImage } from "../support/imageFolder";
import { scrape, sampleValue, type Sample } from "../support/prometheusText";
import { createExperimentWithDataset, FOUR_CLASSES, START_RUN, TINY_RUN } from "../support/runFixtures";
import { startTestServer, type TestServer } from "../support/testServer";
import { waitFor } from "../support/waitFor";

const CLASSIFY = `mutation ClassifyLogo($input: ClassifyImageInput!) {
  classifyImage(input: $input) {
    __typename
    ... on Classification { label }
    ... on InvalidImageError { message }
  }
}`;
const LIST = `query ListExperiments { experiments(first: 5) { totalCount } }`;
const FORBIDDEN_MUTATION = `mutation MakeExperiment { createExperiment(input: { name: "x", datasetId: "00000000-0000-7000-8000-000000000000" }) { id } }`;
const CLASSIFIED_IMAGES = 6;

let server: TestServer;
let tmp: string;
let runId: string;
const logLines: string[] = [];
const imagesSent: string[] = [];
let samples: Sample[];
let contentType: string | null;

async function post(body: unknown, headers: Record<string, string> = {}) {
  return fetch(server.graphqlUrl, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-metrics-"));
  const logStream = new PassThrough();
  logStream.setEncoding("utf8");
  let pending = "";
  logStream.on("data", (chunk: string) => {
    const parts = (pending + chunk).split("\n");
    pending = parts.pop()!;
    logLines.push(...parts.filter((line) => line.length > 0));
  });
  server = await startTestServer(
    { LOGOLAB_WORKERS: "1", LOGOLAB_CLASSIFY_RATE: "1000", LOGOLAB_CLASSIFY_BURST: "1000" },
    { logger: createLogger({ level: "info", destination: logStream }) },
  );
  const experimentId = await createExperimentWithDataset(server, "metrics", tmp, {
    train: 4,
    val: 2,
    test: 1,
  });
  const started = await server.gql<{ startRun: { id: string } }>(
    START_RUN,
    { input: { experimentId, hyperparameters: { ...TINY_RUN, epochs: 2 } } },
    server.keys.engineer,
  );
  runId = started.data!.startRun.id;
  await waitFor(
    async () =>
      (await server.db.database.prisma.run.findUnique({ where: { id: runId } }))?.status === "SUCCEEDED",
    120_000,
  );
  const colours = Object.values(FOUR_CLASSES);
  const images = await Promise.all(
    Array.from({ length: CLASSIFIED_IMAGES }, async (_, i) =>
      (
        await sharp(await classImage(colours[i % colours.length], 1))
          .png()
          .toBuffer()
      ).toString("base64"),
    ),
  );
  imagesSent.push(...images);
  const answers = await Promise.all(
    images.map((imageBase64) =>
      server.gql(CLASSIFY, { input: { imageBase64, model: runId } }, server.keys.service),
    ),
  );
  for (const answer of answers)
    expect(answer.data).toMatchObject({ classifyImage: { __typename: "Classification" } });
  const notAnImage = Buffer.from("GIF89a definitely not a supported image").toString("base64");
  const invalid = await server.gql(
    CLASSIFY,
    { input: { imageBase64: notAnImage, model: runId } },
    server.keys.service,
  );
  expect(invalid.data).toMatchObject({ classifyImage: { __typename: "InvalidImageError" } });
  expect((await server.gql(LIST, {}, server.keys.viewer)).errors).toBeUndefined();
  expect((await server.gql(FORBIDDEN_MUTATION, {}, server.keys.viewer)).errors?.[0].extensions?.code).toBe(
    "FORBIDDEN",
  );
  expect((await server.gql(LIST, {}, "ll_no-such-key")).status).toBe(401);
  ({ contentType, samples } = await scrape(`${server.url}/metrics`));
}, 200_000);

afterAll(async () => {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe("/metrics after real operations", () => {
  it("is Prometheus text", () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it("counts GraphQL operations by name, root field, type and outcome, with latency histograms", () => {
    const ops = "logolab_graphql_operations_total";
    expect(
      sampleValue(samples, ops, {
        operation: "ListExperiments",
        root_field: "experiments",
        type: "query",
        outcome: "ok",
      }),
    ).toBe(1);
    expect(
      sampleValue(samples, ops, {
        operation: "MakeExperiment",
        root_field: "createExperiment",
        outcome: "FORBIDDEN",
      }),
    ).toBe(1);
    expect(sampleValue(samples, ops, { operation: "(unread)", outcome: "UNAUTHENTICATED" })).toBe(1);
    expect(
      sampleValue(samples, ops, {
        operation: "ClassifyLogo",
        root_field: "classifyImage",
        type: "mutation",
        outcome: "ok",
      }),
    ).toBe(CLASSIFIED_IMAGES + 1);
    const classifyCount = sampleValue(samples, "logolab_graphql_operation_duration_seconds_count", {
      operation: "ClassifyLogo",
      outcome: "ok",
    });
    expect(classifyCount).toBe(CLASSIFIED_IMAGES + 1);
    const slowest = sampleValue(samples, "logolab_graphql_operation_duration_seconds_bucket", {
      operation: "ClassifyLogo",
      outcome: "ok",
      le: "+Inf",
    });
    expect(slowest).toBe(CLASSIFIED_IMAGES + 1);
    expect(
      sampleValue(samples, "logolab_graphql_operation_duration_seconds_sum", {
        operation: "ClassifyLogo",
        outcome: "ok",
      }),
    ).toBeGreaterThan(0);
  });

  it("records classify latency by outcome and the micro-batches' sizes", () => {
    expect(sampleValue(samples, "logolab_classify_duration_seconds_count", { outcome: "ok" })).toBe(
      CLASSIFIED_IMAGES,
    );
    expect(
      sampleValue(samples, "logolab_classify_duration_seconds_count", { outcome: "invalid_image" }),
    ).toBe(1);
    expect(sampleValue(samples, "logolab_inference_batch_size_sum")).toBe(CLASSIFIED_IMAGES);
    const passes = sampleValue(samples, "logolab_inference_batch_size_count")!;
    expect(passes).toBeGreaterThanOrEqual(1);
    expect(passes).toBeLessThanOrEqual(CLASSIFIED_IMAGES);
    expect(sampleValue(samples, "logolab_inference_forward_pass_seconds_count")).toBe(passes);
    expect(sampleValue(samples, "logolab_inference_queue_depth")).toBe(0);
    expect(sampleValue(samples, "logolab_inference_models_loaded")).toBe(1);
    expect(sampleValue(samples, "logolab_inference_model_cache_bytes")).toBeGreaterThan(0);
  });

  it("records the training run: epochs, their durations, images/s, its outcome and the empty queue", () => {
    expect(sampleValue(samples, "logolab_training_epochs_total")).toBe(2);
    expect(sampleValue(samples, "logolab_training_epoch_duration_seconds_count")).toBe(2);
    expect(sampleValue(samples, "logolab_training_epoch_duration_seconds_sum")).toBeGreaterThan(0);
    expect(sampleValue(samples, "logolab_training_images_per_second")).toBeGreaterThan(0);
    expect(sampleValue(samples, "logolab_training_runs_concluded_total", { conclusion: "SUCCEEDED" })).toBe(
      1,
    );
    expect(sampleValue(samples, "logolab_training_queue_depth")).toBe(0);
    expect(sampleValue(samples, "logolab_training_workers")).toBe(1);
    expect(sampleValue(samples, "logolab_training_workers_busy")).toBe(0);
  });

  it("reports TensorFlow.js memory and the process's own metrics", () => {
    // The served model's weights live in the inference thread.
    expect(sampleValue(samples, "logolab_tfjs_tensors", { thread: "inference" })).toBeGreaterThan(0);
    expect(sampleValue(samples, "logolab_tfjs_tensors", { thread: "main" })).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, "logolab_tfjs_bytes")).toBeGreaterThanOrEqual(0);
    expect(sampleValue(samples, "process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(sampleValue(samples, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    expect(sampleValue(samples, "logolab_websocket_connections")).toBe(0);
  });

  it("serves the same metrics on a worker's own metrics port", async () => {
    const metricsServer = await startMetricsServer(server.platform.metrics, {
      port: 0,
      host: "127.0.0.1",
      checkHealth: () => server.db.database.ping(),
    });
    try {
      const scraped = await scrape(`${metricsServer.url}/metrics`);
      expect(sampleValue(scraped.samples, "logolab_training_epochs_total")).toBe(2);
      expect((await fetch(`${metricsServer.url}/healthz`)).status).toBe(200);
    } finally {
      await metricsServer.close();
    }
  });
});

describe("request ids", () => {
  it("returns a request id header, and the same id in every error's extensions.requestId", async () => {
    const response = await post(
      { query: FORBIDDEN_MUTATION },
      { authorization: `Bearer ${server.keys.viewer}` },
    );
    const requestId = response.headers.get("x-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    const body = await response.json();
    expect(body.errors[0].extensions).toEqual({ code: "FORBIDDEN", requiredRole: "ENGINEER", requestId });
  });

  it("keeps a caller's well-formed x-request-id and replaces a malformed one", async () => {
    const kept = await post({ query: "{ nope }" }, { "x-request-id": "client-42.a:b" });
    expect(kept.headers.get("x-request-id")).toBe("client-42.a:b");
    expect((await kept.json()).errors[0].extensions).toMatchObject({
      code: "GRAPHQL_VALIDATION_FAILED",
      requestId: "client-42.a:b",
    });
    const replaced = await post({ query: "{ health { status } }" }, { "x-request-id": "x".repeat(200) });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("carries the request id in errors answered before GraphQL runs (bad key, malformed JSON)", async () => {
    const badKey = await post({ query: LIST }, { authorization: "Bearer ll_unknown" });
    expect((await badKey.json()).errors[0].extensions).toEqual({
      code: "UNAUTHENTICATED",
      requestId: badKey.headers.get("x-request-id"),
    });
    const malformed = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{ not json",
    });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).errors[0].extensions).toEqual({
      code: "BAD_REQUEST",
      requestId: malformed.headers.get("x-request-id"),
    });
  });
});

describe("structured logs", () => {
  it("writes one JSON object per line, one line per operation, with its request id", async () => {
    const response = await post(
      { query: LIST, operationName: "ListExperiments" },
      {
        authorization: `Bearer ${server.keys.viewer}`,
        "x-request-id": "log-line-check",
      },
    );
    expect(response.status).toBe(200);
    await waitFor(async () => logLines.some((line) => line.includes("log-line-check")), 5_000);
    const entries = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const entry = entries.find((candidate) => candidate.requestId === "log-line-check");
    expect(entry).toMatchObject({
      msg: "graphql operation",
      level: 30,
      service: "logolab",
      operation: "ListExperiments",
      rootField: "experiments",
      type: "query",
      outcome: "ok",
    });
    expect(typeof entry!.durationMs).toBe("number");
    const forbidden = entries.find((candidate) => candidate.operation === "MakeExperiment");
    expect(forbidden).toMatchObject({ outcome: "FORBIDDEN", errorCodes: ["FORBIDDEN"] });
  });

  it("never logs an API key or image bytes", () => {
    const everything = logLines.join("\n");
    expect(logLines.length).toBeGreaterThan(CLASSIFIED_IMAGES);
    for (const secret of [...Object.values(server.keys), "ll_no-such-key", "ll_unknown"]) {
      expect(everything).not.toContain(secret);
    }
    for (const image of imagesSent) expect(everything).not.toContain(image.slice(64, 128));
    expect(everything).not.toContain("imageBase64");
  });

  it("redacts credentials and payloads even when code passes them to the logger", () => {
    const lines: string[] = [];
    const stream = new PassThrough();
    stream.on("data", (chunk: Buffer) => lines.push(chunk.toString()));
    const logger = createLogger({ destination: stream });
    logger.info(
      {
        headers: { authorization: `Bearer ${server.keys.admin}` },
        variables: { input: { imageBase64: imagesSent[0] } },
        secret: server.keys.admin,
      },
      "careless",
    );
    const written = lines.join("");
    expect(written).toContain("careless");
    expect(written).not.toContain(server.keys.admin);
    expect(written).not.toContain(imagesSent[0].slice(64, 128));
  });
});

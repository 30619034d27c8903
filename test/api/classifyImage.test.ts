import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";
import sharp from "sharp";
import { animatedGif, pngDeclaring, SVG_IMAGE } from "../../src/ml/__tests__/fixtures/badImages";
import { classImage } from "../support/imageFolder";
import { createExperimentWithDataset, FOUR_CLASSES, START_RUN, TINY_RUN } from "../support/runFixtures";
import { startTestServer, type TestServer } from "../support/testServer";
import { waitFor } from "../support/waitFor";

let server: TestServer;
let tmp: string;
let runIds: string[];

const CLASSIFY = `mutation($input: ClassifyImageInput!) {
  classifyImage(input: $input) {
    __typename
    ... on Classification { label probability isLogo topK { label probability } modelVersion latencyMs }
    ... on InvalidImageError { message }
    ... on ModelNotFoundError { message }
  }
}`;

type Result = {
  classifyImage: {
    __typename: string;
    label?: string;
    probability?: number;
    isLogo?: boolean;
    topK?: { label: string; probability: number }[];
    modelVersion?: string;
    message?: string;
  };
};

/** An image like the training images of the class with this colour, as base64 JPEG or PNG. */
async function colourImage(rgb: [number, number, number], format: "jpeg" | "png" = "jpeg"): Promise<string> {
  const image = sharp(await classImage(rgb, 1));
  return (await (format === "jpeg" ? image.jpeg({ quality: 95 }) : image.png()).toBuffer()).toString(
    "base64",
  );
}

function classify(input: Record<string, unknown>, key = server.keys.service) {
  return server.gql<Result>(CLASSIFY, { input }, key);
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-classify-"));
  server = await startTestServer({
    LOGOLAB_WORKERS: "1",
    LOGOLAB_CLASSIFY_RATE: "1000",
    LOGOLAB_CLASSIFY_BURST: "2000",
  });
  const experimentId = await createExperimentWithDataset(server, "classify", tmp, {
    train: 8,
    val: 4,
    test: 2,
  });
  runIds = [];
  for (const seed of [1, 2]) {
    const res = await server.gql<{ startRun: { id: string } }>(
      START_RUN,
      {
        input: {
          experimentId,
          hyperparameters: { ...TINY_RUN, epochs: 8, optimizer: "ADAM", learningRate: 0.0005, seed },
        },
      },
      server.keys.engineer,
    );
    runIds.push(res.data!.startRun.id);
  }
  await waitFor(
    async () => (await server.db.database.prisma.run.count({ where: { status: "SUCCEEDED" } })) === 2,
    150_000,
  );
  await server.gql(
    `mutation($id: ID!) { setModelAlias(input: { name: "production", runId: $id }) { name } }`,
    { id: runIds[0] },
    server.keys.engineer,
  );
}, 200_000);
afterAll(async () => {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe("classifyImage", () => {
  it("classifies real images with the production model and names the model version", async () => {
    const checkpoint = await server.registry.modelAliases.resolveForServing("production");
    for (const [label, rgb] of Object.entries(FOUR_CLASSES)) {
      const res = await classify({ imageBase64: await colourImage(rgb), topK: 3 });
      expect(res.errors).toBeUndefined();
      const result = res.data!.classifyImage;
      expect(result).toMatchObject({
        __typename: "Classification",
        label,
        modelVersion: `${runIds[0]}:${checkpoint!.checkpoint.sha256}`,
      });
      expect(result.isLogo).toBe(label !== "no-logo");
      expect(result.topK).toHaveLength(3);
      expect(result.topK![0]).toEqual({ label, probability: result.probability });
    }
  });

  it("serves a run's best checkpoint by run id, and answers ModelNotFoundError for unknown models", async () => {
    const byRun = await classify({
      imageBase64: await colourImage(FOUR_CLASSES.red, "png"),
      model: runIds[1],
    });
    expect(byRun.data!.classifyImage.modelVersion!.startsWith(`${runIds[1]}:`)).toBe(true);
    for (const model of ["staging", "00000000-0000-7000-8000-000000000000"]) {
      const res = await classify({ imageBase64: await colourImage(FOUR_CLASSES.red), model });
      expect(res.data!.classifyImage.__typename).toBe("ModelNotFoundError");
    }
  });

  it("accepts the image as a GraphQL multipart upload", async () => {
    const form = new FormData();
    form.append("operations", JSON.stringify({ query: CLASSIFY, variables: { input: { image: null } } }));
    form.append("map", JSON.stringify({ "0": ["variables.input.image"] }));
    const png = await classImage(FOUR_CLASSES.blue, 1);
    form.append("0", new Blob([new Uint8Array(png)], { type: "image/png" }), "logo.png");
    const response = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { authorization: `Bearer ${server.keys.service}`, "apollo-require-preflight": "true" },
      body: form,
    });
    const body = (await response.json()) as { data: Result };
    expect(body.data.classifyImage).toMatchObject({ __typename: "Classification", label: "blue" });

    const huge = new FormData();
    huge.append("operations", JSON.stringify({ query: CLASSIFY, variables: { input: { image: null } } }));
    huge.append("map", JSON.stringify({ "0": ["variables.input.image"] }));
    huge.append("0", new Blob([new Uint8Array(5 * 1024 * 1024)], { type: "image/png" }), "huge.png");
    const refused = await fetch(server.graphqlUrl, {
      method: "POST",
      headers: { authorization: `Bearer ${server.keys.service}`, "apollo-require-preflight": "true" },
      body: huge,
    });
    // The multipart layer cuts the file at the size limit; the truncated rest is refused, not decoded.
    const answer = (await refused.json()) as { errors?: { message: string; extensions: unknown }[] };
    expect(answer.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "image" });
    expect(answer.errors?.[0].message).toMatch(
      /exceeds the upload size limit|exceeds the \d+ byte size limit/,
    );
  });

  it("needs the SERVICE role", async () => {
    const res = await classify({ imageBase64: await colourImage(FOUR_CLASSES.red) }, server.keys.viewer);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "FORBIDDEN", requiredRole: "SERVICE" });
  });

  describe("bad input never hurts the server", () => {
    const cases: [string, () => Promise<Record<string, unknown>>, string][] = [
      ["empty input", async () => ({ imageBase64: "" }), "InvalidImageError"],
      ["invalid base64", async () => ({ imageBase64: "!!!not base64!!!" }), "InvalidImageError"],
      [
        "text",
        async () => ({ imageBase64: Buffer.from("just some text, not an image").toString("base64") }),
        "InvalidImageError",
      ],
      [
        "a truncated JPEG",
        async () => {
          const bytes = Buffer.from(await colourImage(FOUR_CLASSES.red), "base64");
          return { imageBase64: bytes.subarray(0, bytes.length / 2).toString("base64") };
        },
        "InvalidImageError",
      ],
      [
        "a PNG declaring 30000×30000 pixels",
        async () => ({ imageBase64: pngDeclaring(30000, 30000).toString("base64") }),
        "InvalidImageError",
      ],
      [
        "an animated GIF",
        async () => ({ imageBase64: (await animatedGif()).toString("base64") }),
        "InvalidImageError",
      ],
      ["an SVG", async () => ({ imageBase64: SVG_IMAGE.toString("base64") }), "InvalidImageError"],
    ];
    it.each(cases)("answers %s with %s, then serves a normal request", async (_, input, typename) => {
      const res = await classify(await input());
      expect(res.errors).toBeUndefined();
      expect(res.data!.classifyImage.__typename).toBe(typename);
      expect(res.data!.classifyImage.message).toBeTruthy();
      const ok = await classify({ imageBase64: await colourImage(FOUR_CLASSES.blue) });
      expect(ok.data!.classifyImage.label).toBe("blue");
    });

    it("rejects a body over the limit, both inputs at once, imageUrl while disabled, and a bad topK with BAD_USER_INPUT", async () => {
      const huge = await fetch(server.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${server.keys.service}` },
        body: JSON.stringify({
          query: CLASSIFY,
          variables: { input: { imageBase64: "A".repeat(5 * 1024 * 1024) } },
        }),
      });
      expect(huge.status).toBe(413);
      const image = await colourImage(FOUR_CLASSES.red);
      for (const [input, field] of [
        [{ imageBase64: image, imageUrl: "https://example.com/logo.jpg" }, "imageBase64"],
        [{ imageUrl: "https://example.com/logo.jpg" }, "imageUrl"],
        [{ imageBase64: image, topK: 0 }, "topK"],
      ] as const) {
        const res = await classify(input);
        expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field });
      }
    });
  });

  it("switches the alias under concurrent requests with zero failures, each answer from the old or the new model", async () => {
    const versions = new Set<string>();
    const image = await colourImage(FOUR_CLASSES.green);
    const [before, after] = await Promise.all(
      runIds.map((id) => server.registry.modelAliases.resolveForServing(id)),
    );
    const expected = new Set([
      `${runIds[0]}:${before!.checkpoint.sha256}`,
      `${runIds[1]}:${after!.checkpoint.sha256}`,
    ]);
    let isSwitched = false;
    const load = Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 15; i++) {
        const res = await classify({ imageBase64: image });
        expect(res.errors).toBeUndefined();
        expect(res.data!.classifyImage.__typename).toBe("Classification");
        versions.add(res.data!.classifyImage.modelVersion!);
      }
    });
    const switcher = (async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await server.gql(
        `mutation($id: ID!) { setModelAlias(input: { name: "production", runId: $id }) { name } }`,
        { id: runIds[1] },
        server.keys.engineer,
      );
      isSwitched = true;
    })();
    await Promise.all([...load, switcher]);
    expect(isSwitched).toBe(true);
    for (const version of versions) expect(expected.has(version)).toBe(true);
    const last = await classify({ imageBase64: image });
    expect(last.data!.classifyImage.modelVersion).toBe(`${runIds[1]}:${after!.checkpoint.sha256}`);
  });

  it("leaves the tensor count unchanged after 1,000 requests", async () => {
    const image = await colourImage(FOUR_CLASSES.red);
    await classify({ imageBase64: image });
    // Forward passes run in the inference thread (the serve default): count the tensors there.
    const classifier = server.platform.serving.classifier;
    expect(classifier.isInferenceThreadEnabled).toBe(true);
    const before = classifier.stats().inferenceTensors;
    const mainBefore = tf.memory().numTensors;
    for (let batch = 0; batch < 50; batch++) {
      await Promise.all(Array.from({ length: 20 }, () => classify({ imageBase64: image })));
    }
    expect(classifier.stats().inferenceTensors).toBe(before);
    expect(before).toBeGreaterThan(0); // the loaded model's weights live there
    expect(tf.memory().numTensors).toBe(mainBefore);
  }, 180_000);

  it("rate-limits each key with RATE_LIMITED and a retry-after hint", async () => {
    const limited = await startTestServer({ LOGOLAB_CLASSIFY_RATE: "1", LOGOLAB_CLASSIFY_BURST: "2" });
    try {
      const image = await colourImage(FOUR_CLASSES.red);
      const answers = [];
      for (let i = 0; i < 3; i++)
        answers.push(await limited.gql(CLASSIFY, { input: { imageBase64: image } }, limited.keys.service));
      expect(answers[2].errors?.[0].extensions).toMatchObject({
        code: "RATE_LIMITED",
        retryAfterMs: expect.any(Number),
      });
    } finally {
      await limited.stop();
    }
  });
});

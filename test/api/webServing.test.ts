import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { imagePathInside } from "../../src/api/thumbnails";
import { CONTENT_SECURITY_POLICY, WEB_CLIENT_DIST } from "../../src/web/webClient";
import { createExperimentWithDataset } from "../support/runFixtures";
import { startTestServer, type TestServer } from "../support/testServer";

let server: TestServer;
let tmp: string;
let datasetId: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-web-serving-"));
  server = await startTestServer();
  await createExperimentWithDataset(server, "thumbs", tmp, { train: 2, val: 1, test: 1 });
  const res = await server.gql<{ datasets: { nodes: { id: string }[] } }>(
    `{ datasets { nodes { id } } }`,
    {},
    server.keys.viewer,
  );
  datasetId = res.data!.datasets.nodes[0].id;
});
afterAll(async () => {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

const html = { accept: "text/html,application/xhtml+xml" };

describe("the web client (built by npm run build into web-client/dist)", () => {
  it("serves index.html at / and at client routes, revalidated every time", async () => {
    for (const route of ["/", "/runs/abc", "/compare?ids=a,b", "/datasets"]) {
      const response = await fetch(`${server.url}${route}`, { headers: html });
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(response.headers.get("content-security-policy")).toBe(CONTENT_SECURITY_POLICY);
      expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
      expect(await response.text()).toContain('<div id="root"></div>');
    }
  });

  it("ships no secret in the built client: no API key, password or private key in any file", async () => {
    const files = await fs.readdir(path.join(WEB_CLIENT_DIST, "assets"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of [...files.map((f) => path.join("assets", f)), "index.html", "explorer.html"]) {
      const text = await fs.readFile(path.join(WEB_CLIENT_DIST, file), "utf8");
      // LogoLab API keys are `ll_` + 256 random bits (src/experiments/apiKeys.ts).
      expect([file, /\bll_[A-Za-z0-9_-]{20,}/.test(text)]).toEqual([file, false]);
      expect([file, /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)]).toEqual([file, false]);
      expect([file, /postgres(ql)?:\/\/[^"'\s]*:[^"'\s]*@/.test(text)]).toEqual([file, false]);
    }
  });

  it("serves hashed assets as immutable, and a missing asset as 404 (not index.html)", async () => {
    const assets = await fs.readdir(path.join(WEB_CLIENT_DIST, "assets"));
    const script = assets.find((name) => /^app-.+\.js$/.test(name))!;
    const response = await fetch(`${server.url}/assets/${script}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(response.headers.get("content-type")).toMatch(/javascript/);
    const missing = await fetch(`${server.url}/assets/app-00000000.js`, { headers: html });
    expect(missing.status).toBe(404);
  });

  it("leaves the API alone: JSON requests to unknown paths are not answered with the page", async () => {
    const response = await fetch(`${server.url}/nothing-here`, { headers: { accept: "application/json" } });
    expect(response.status).toBe(404);
    expect((await server.gql(`{ health { status } }`)).data).toEqual({ health: { status: "ok" } });
  });
});

describe("GET /thumbnails/:datasetId", () => {
  it("answers a JPEG thumbnail of a dataset image to a key holder, cached privately", async () => {
    const response = await fetch(`${server.url}/thumbnails/${datasetId}?file=val/red/val-0.png`, {
      headers: { authorization: `Bearer ${server.keys.viewer}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/jpeg");
    expect(response.headers.get("cache-control")).toBe("private, max-age=3600");
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    expect(meta.format).toBe("jpeg");
    expect(Math.max(meta.width!, meta.height!)).toBe(160);
  });

  it("answers the n-th image of a class for the sample grid", async () => {
    const response = await fetch(`${server.url}/thumbnails/${datasetId}?class=green&index=1`, {
      headers: { authorization: `Bearer ${server.keys.viewer}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("image/jpeg");
  });

  it("refuses a request without a key (401) and with a bad one", async () => {
    const anonymous = await fetch(`${server.url}/thumbnails/${datasetId}?file=val/red/val-0.png`);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    const bad = await fetch(`${server.url}/thumbnails/${datasetId}?file=val/red/val-0.png`, {
      headers: { authorization: "Bearer nope" },
    });
    expect(bad.status).toBe(401);
  });

  it("never reads outside the dataset's images", async () => {
    for (const file of ["../../etc/passwd", "val/../../x.png", "/etc/passwd", "meta/red/0.png", "val/red"]) {
      const response = await fetch(`${server.url}/thumbnails/${datasetId}?file=${encodeURIComponent(file)}`, {
        headers: { authorization: `Bearer ${server.keys.viewer}` },
      });
      expect(response.status).toBe(404);
    }
    expect(imagePathInside("/data/ds", "train/a/1.png")).toBe("/data/ds/train/a/1.png");
    expect(imagePathInside("/data/ds", "train/../../1.png")).toBeUndefined();
  });
});

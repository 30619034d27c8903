import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "playwright-core";
import sharp from "sharp";
import { defaultHyperparameters } from "../../src/ml/hyperparameters";
import { launchBrowser, type TestBrowser } from "../support/browser";
import { classImage } from "../support/imageFolder";
import { generatedEpochs, seededRandom, seedRuns } from "../support/registrySeed";
import { createExperimentWithDataset, FOUR_CLASSES, START_RUN } from "../support/runFixtures";
import { startTestServer, type TestServer } from "../support/testServer";
import { waitFor } from "../support/waitFor";

/**
 * The web client end to end: a real server (one training worker) on a tiny generated ImageFolder
 * dataset, Debian's Chromium, every page used as a user would, axe on each, a screenshot of each
 * into docs/screenshots/ (shown in the README).
 */
const SCREENSHOTS = path.resolve(__dirname, "../../docs/screenshots");
jest.setTimeout(180_000);

let server: TestServer;
let browser: TestBrowser;
let page: Page;
let tmp: string;
let experimentId: string;
let seededIds: string[];
let trainedRunId: string;
let navigations = 0;

async function expectAccessible(name: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${name}: ${v.id} (${v.impact}) ${v.nodes
          .map((n) => n.target.join(" "))
          .slice(0, 3)
          .join(", ")}`,
    );
  expect(serious).toEqual([]);
}

async function screenshot(name: string) {
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

async function runStatus(id: string): Promise<string> {
  const res = await server.gql<{ run: { status: string } }>(
    `query($id: ID!) { run(id: $id) { status } }`,
    { id },
    server.keys.viewer,
  );
  return res.data!.run.status;
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-web-"));
  [server, browser] = await Promise.all([startTestServer({ LOGOLAB_WORKERS: "1" }), launchBrowser()]);
  experimentId = await createExperimentWithDataset(server, "web", tmp, { train: 8, val: 4, test: 2 });
  await waitFor(async () => {
    const res = await server.gql<{ datasets: { nodes: { status: string }[] } }>(
      `{ datasets { nodes { status } } }`,
      {},
      server.keys.viewer,
    );
    return res.data?.datasets.nodes[0]?.status === "READY";
  });
  // Two finished runs written straight into the registry (no training): material to compare.
  const labels = Object.keys(FOUR_CLASSES).sort();
  const random = seededRandom(7);
  seededIds = await seedRuns(server.db.database.prisma, [
    {
      experimentId,
      hyperparameters: { ...defaultHyperparameters, learningRate: 0.05, epochs: 12 },
      status: "SUCCEEDED",
      mlBackend: "wasm",
      createdAt: new Date(Date.now() - 3_600_000),
      startedAt: new Date(Date.now() - 3_600_000),
      finishedAt: new Date(Date.now() - 3_000_000),
      epochs: generatedEpochs(random, labels, 12),
    },
    {
      experimentId,
      hyperparameters: { ...defaultHyperparameters, optimizer: "ADAM", learningRate: 0.001, epochs: 12 },
      status: "FAILED",
      error: "out of memory in batch 3 (seeded)",
      mlBackend: "wasm",
      createdAt: new Date(Date.now() - 1_800_000),
      startedAt: new Date(Date.now() - 1_800_000),
      finishedAt: new Date(Date.now() - 1_700_000),
      epochs: generatedEpochs(random, labels, 5),
    },
  ]);
  const context = await browser.newPage();
  page = context.page;
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) navigations++;
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

it("asks for an API key, says when it is unknown or its role too low, keeps it in localStorage, lists the runs", async () => {
  await page.goto(server.url);
  await page.getByText("No API key yet.").waitFor();
  // A key the server does not know: the page says so instead of showing an empty list.
  await page.getByLabel("API key").fill("not-a-key");
  await page.getByRole("button", { name: "Use key" }).click();
  await page.getByRole("alert").getByText("API key needed").waitFor();
  // A VIEWER key reads runs but may not start one: the form says why.
  await page.getByLabel("API key").fill(server.keys.viewer);
  await page.getByRole("button", { name: "Change" }).click();
  await page.locator(`tr[data-run="${seededIds[0]}"]`).waitFor();
  await page.getByRole("button", { name: "New run" }).click();
  await page.getByRole("button", { name: "Start run" }).click();
  await page.getByRole("alert").getByText("Not allowed").waitFor();
  await page.getByRole("button", { name: "New run" }).click();
  await page.getByLabel("API key").fill(server.keys.engineer);
  await page.getByRole("button", { name: "Change" }).click();
  await page.locator(`tr[data-run="${seededIds[0]}"]`).waitFor();
  expect(await page.evaluate(() => localStorage.getItem("logolab.apiKey"))).toBe(server.keys.engineer);
  expect(page.url()).not.toContain(server.keys.engineer);
  // The failed run shows as failed, with its error on hover.
  await page.locator(`tr[data-run="${seededIds[1]}"] .status-FAILED`).waitFor();
  await expectAccessible("runs");
});

it("shows the API's validation message beside the field it names", async () => {
  await page.getByRole("button", { name: "New run" }).click();
  // Choosing LOCALIZER takes its own defaults from the API (320 px, Adam); back again, the article's.
  await page.getByLabel("Architecture").selectOption("LOCALIZER");
  await waitFor(async () => (await page.getByLabel("imageSize").inputValue()) === "320", 10_000);
  expect(await page.getByLabel("Optimizer").inputValue()).toBe("ADAM");
  await page.getByLabel("Architecture").selectOption("ALEXNET_LITE");
  await waitFor(async () => (await page.getByLabel("imageSize").inputValue()) === "96", 10_000);
  await page.getByLabel("epochs").fill("0");
  await page.getByRole("button", { name: "Start run" }).click();
  const message = page.locator("#error-epochs");
  await message.waitFor();
  expect(await message.innerText()).toBe("hyperparameters.epochs must be an integer in [1, 1000], got 0");
  expect(await page.getByLabel("epochs").getAttribute("aria-describedby")).toBe("error-epochs");
  await screenshot("new-run-form");
});

it("starts a short run from the form and watches its curves grow live, without navigating", async () => {
  await page.getByLabel("epochs").fill("4");
  await page.getByLabel("batchSize").fill("4");
  for (const name of ["HORIZONTAL_FLIP", "RANDOM_CROP"]) await page.getByLabel(name).uncheck();
  await page.getByRole("button", { name: "Start run" }).click();
  await page.waitForURL(/\/runs\/[0-9a-f-]+$/);
  trainedRunId = page.url().split("/").pop()!;
  const before = navigations;
  const chart = page.locator('[data-testid="accuracy-chart"] .chart');
  await chart.waitFor();
  const seen = new Set<number>();
  await waitFor(
    async () => {
      seen.add(Number(await chart.getAttribute("data-points")));
      return Math.max(...seen) >= 4;
    },
    150_000,
    200,
  );
  // The count went up one epoch at a time while the page stayed open.
  expect(seen.size).toBeGreaterThanOrEqual(2);
  expect(navigations).toBe(before);
  await page.getByText("SUCCEEDED", { exact: true }).first().waitFor({ timeout: 60_000 });
  await page.locator(".heatmap-cell").first().waitFor();
  await expectAccessible("run");
  await screenshot("run");
  // The heatmap is keyboard-operable: a roving focus moves with the arrows, Enter opens the cell.
  await page.locator('.heatmap-cell[tabindex="0"]').focus();
  await page.keyboard.press("ArrowRight");
  expect(await page.evaluate(() => document.activeElement?.getAttribute("data-cell"))).toBe("0-1");
  expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toMatch(
    /^true blue, predicted green: \d+ images, [\d.]+ % of the row$/,
  );
  await page.keyboard.press("Enter");
  await page.waitForURL(/\/errors\?truth=blue&predicted=green$/);
});

it("cancels a queued run from the runs table", async () => {
  const started = await server.gql<{ startRun: { id: string } }>(
    START_RUN,
    { input: { experimentId, hyperparameters: { epochs: 50, batchSize: 4, augmentations: [] } } },
    server.keys.engineer,
  );
  const id = started.data!.startRun.id;
  await page.getByRole("link", { name: "Runs" }).click();
  const row = page.locator(`tr[data-run="${id}"]`);
  await row.getByRole("button", { name: /Cancel/ }).click();
  await waitFor(async () => (await runStatus(id)) === "CANCELLED", 60_000);
  await row.locator(".status-CANCELLED").waitFor();
  await screenshot("runs");
});

it("compares runs selected in the table: differences only, per-brand F1 Δ, overlaid curves", async () => {
  await page.locator(`tr[data-run="${trainedRunId}"] input[type=checkbox]`).check();
  await page.locator(`tr[data-run="${seededIds[0]}"] input[type=checkbox]`).check();
  await page.getByRole("button", { name: /Compare \(2\)/ }).click();
  await page.waitForURL(/\/compare\?ids=/);
  const table = page.getByRole("table", { name: "Hyperparameter differences" });
  await table.waitFor();
  const text = await table.innerText();
  expect(text).toContain("batchSize");
  expect(text).toContain("learningRate");
  expect(text).not.toContain("(shared)");
  expect(await page.getByRole("table", { name: "Per-brand F1" }).innerText()).toMatch(/[+-]0\.\d{3}/);
  await expectAccessible("compare");
  await screenshot("compare");
});

it("evaluates the trained run and opens a confusion cell's images (thumbnails from the API)", async () => {
  await page.goto(`${server.url}/runs/${trainedRunId}/errors`);
  await page.getByRole("button", { name: /Evaluate the best checkpoint/ }).click();
  const cells = page.locator(".heatmap-cell");
  await cells.first().waitFor({ timeout: 60_000 });
  const labels = await cells.evaluateAll((all) => all.map((c) => c.getAttribute("aria-label") ?? ""));
  const index = labels.findIndex((l) => !/: 0 images/.test(l));
  await cells.nth(index).click();
  const image = page.locator('[data-testid="cell-images"] img').first();
  await image.waitFor();
  await waitFor(async () => (await image.evaluate((img: HTMLImageElement) => img.naturalWidth)) > 0);
  expect(await image.getAttribute("src")).toMatch(/^blob:/);
  await expectAccessible("errors");
  await screenshot("error-inspector");
});

it("promotes a run, previewing how it differs from the alias's holder", async () => {
  await server.gql(
    `mutation($id: ID!) { setModelAlias(input: { name: "production", runId: $id }) { name } }`,
    { id: seededIds[0] },
    server.keys.engineer,
  );
  await page.getByRole("link", { name: "Models" }).click();
  await page.getByLabel("Run", { exact: true }).selectOption(trainedRunId);
  const preview = page.getByTestId("promotion-preview");
  await preview.getByRole("table").waitFor();
  expect(await preview.innerText()).toContain("learningRate");
  await expectAccessible("models");
  await screenshot("models");
  await page.getByRole("button", { name: "Promote" }).click();
  await page
    .locator('[data-alias="production"]')
    .getByText(`run ${trainedRunId.replace(/-/g, "").slice(-8)}`)
    .waitFor();
  expect(await page.getByRole("table", { name: "history of production" }).locator("tbody tr").count()).toBe(
    2,
  );
});

it("classifies an uploaded image with the promoted model and shows the expected label", async () => {
  const file = path.join(tmp, "red.png");
  await fs.writeFile(
    file,
    await sharp(await classImage(FOUR_CLASSES.red, 1))
      .png()
      .toBuffer(),
  );
  await page.getByRole("link", { name: "Classify" }).click();
  await page.getByLabel("Model").selectOption("production");
  await page.locator("#classify-file").setInputFiles(file);
  const label = page.getByTestId("classification-label");
  await label.waitFor({ timeout: 60_000 });
  expect(await label.innerText()).toMatch(/^Logo: red/);
  expect(await page.getByRole("list", { name: "top-5 labels" }).getByRole("listitem").count()).toBe(4);
  await expectAccessible("classify");
  await screenshot("classify");
});

it("lists datasets and shows a grid of sample images per class", async () => {
  await page.getByRole("link", { name: "Datasets" }).click();
  await page.getByRole("link", { name: /web v1/ }).click();
  const samples = page.locator(".thumb img");
  await samples.first().waitFor();
  await waitFor(async () => (await samples.count()) === 4 * 4);
  await expectAccessible("dataset");
  await screenshot("dataset");
  await page.getByRole("link", { name: "Datasets" }).first().click();
  await page.getByRole("table", { name: "Datasets" }).waitFor();
  await expectAccessible("datasets");
  expect(browser.outsideRequests).toEqual([]);
  expect(browser.pageErrors).toEqual([]);
});

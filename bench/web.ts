/**
 * bench:web — the web client's first load, a live run page under a stream of events, and Compare at scale.
 *
 * LogoLab runs as `npm start` does (API + built web client, no training worker) on a scratch
 * PostgreSQL database holding a 33-class dataset (32 brands + no-logo, like FlickrLogos-32).
 *  1. first load: Debian's Chromium opens `/`; every script, style sheet and the HTML it loads
 *     before the network is idle, gzipped (level 9) — target ≤ 200 KB (the budget).
 *  2. stream: a RUNNING run's page is open while this process writes an epoch row and publishes
 *     EPOCH 10 times a second plus PROGRESS 4 times a second for 60 s (the event bus the training
 *     workers use); PerformanceObserver `longtask` counts main-thread tasks over 50 ms — target 0.
 *     The chart's point count must reach the number of epochs sent (nothing dropped).
 *  3. compare: `/compare?ids=` 20 finished runs × 200 epochs × 33 classes; render time = from the
 *     moment the comparison's data is in the page to the frame after React committed it and uPlot
 *     drew (`logolab:compare-render`, measured by the page) — target ≤ 200 ms; median of 5 loads.
 * Baselines named in the table: the budgets; MLflow (no live refresh) and W&B (10-run cap)
 * have no number to compare against on this machine.
 * Last line: `bench:web first_load_kb=<gzip KB> long_tasks=<n> render_ms=<x>`.
 *
 * Run: npm run bench:web (needs PostgreSQL on 127.0.0.1:5432 and /usr/bin/chromium).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { launchBrowser } from "../test/support/browser";
import { generatedEpochs, seededRandom, seedRuns } from "../test/support/registrySeed";
import { startBenchServer } from "./support/benchServer";
import { withDefaults } from "./support/builtModules";
import { firstLoad, longTasks, observeLongTasks } from "./support/webPage";

const STREAM_SECONDS = Number(process.env.BENCH_WEB_STREAM_SECONDS ?? 60);
const EPOCHS_PER_SECOND = 10;
const PROGRESS_PER_SECOND = 4;
const COMPARE_RUNS = 20;
const COMPARE_EPOCHS = 200;
const LABELS = [
  ...Array.from({ length: 32 }, (_, i) => `brand-${String(i + 1).padStart(2, "0")}`),
  "no-logo",
];

function log(message: string) {
  process.stderr.write(`[bench:web] ${message}\n`);
}

async function main() {
  const workDir = await mkdtemp(path.join(os.tmpdir(), "logolab-bench-web-"));
  const server = await startBenchServer(workDir, { LOGOLAB_WORKERS: "0" }, { databaseName: "bench_web" });
  const browser = await launchBrowser();
  try {
    const prisma = server.database.prisma;
    const url = server.graphqlUrl.replace(/\/graphql$/, "");
    const dataset = await server.registry.datasets.register({
      name: "bench-web-33",
      format: "IMAGE_FOLDER",
      status: "READY",
      rootPath: workDir,
      classes: LABELS,
    });
    const { createExperiment } = await server.gql<{ createExperiment: { id: string } }>(
      `mutation($ds: ID!) { createExperiment(input: { name: "bench-web", datasetId: $ds }) { id } }`,
      { ds: dataset.id },
    );
    const random = seededRandom(11);
    log(`seeding ${COMPARE_RUNS} runs × ${COMPARE_EPOCHS} epochs × ${LABELS.length} classes`);
    const compareIds = await seedRuns(
      prisma as never,
      Array.from({ length: COMPARE_RUNS }, (_, i) => ({
        experimentId: createExperiment.id,
        hyperparameters: withDefaults({
          learningRate: 0.001 * (i + 1),
          batchSize: 8 + 4 * (i % 5),
          epochs: COMPARE_EPOCHS,
          seed: i,
        }),
        status: "SUCCEEDED" as const,
        createdAt: new Date(Date.now() - (COMPARE_RUNS - i) * 60_000),
        startedAt: new Date(Date.now() - (COMPARE_RUNS - i) * 60_000),
        finishedAt: new Date(),
        epochs: generatedEpochs(random, LABELS, COMPARE_EPOCHS, 4),
      })),
    );
    const [liveRunId] = await seedRuns(prisma as never, [
      {
        experimentId: createExperiment.id,
        hyperparameters: withDefaults({ epochs: STREAM_SECONDS * EPOCHS_PER_SECOND }),
        status: "RUNNING",
        createdAt: new Date(),
        startedAt: new Date(),
        epochs: [],
      },
    ]);

    const { page, context } = await browser.newPage();
    await context.addInitScript((key) => localStorage.setItem("logolab.apiKey", key), server.keys.viewer);

    // 1. First load.
    const files = await firstLoad(page, `${url}/`);
    const firstLoadKb = files.reduce((sum, f) => sum + f.gzipBytes, 0) / 1024;
    const rawKb = files.reduce((sum, f) => sum + f.bytes, 0) / 1024;
    const jsKb = files.filter((f) => f.type === "script").reduce((sum, f) => sum + f.gzipBytes, 0) / 1024;
    log(`first load: ${files.length} files, ${firstLoadKb.toFixed(1)} KB gzip`);

    // 2. Stream of events into an open run page.
    const streamPage = (await browser.newPage()).page;
    await streamPage
      .context()
      .addInitScript((key) => localStorage.setItem("logolab.apiKey", key), server.keys.viewer);
    await observeLongTasks(streamPage);
    await streamPage.goto(`${url}/runs/${liveRunId}`);
    await streamPage.getByText("● live").waitFor();
    const before = await longTasks(streamPage);
    const epochs = generatedEpochs(random, LABELS, STREAM_SECONDS * EPOCHS_PER_SECOND, 4);
    const bus = server.platform.services.bus;
    log(`streaming ${epochs.length} epochs + progress for ${STREAM_SECONDS} s`);
    const started = Date.now();
    let sentEpochs = 0;
    let sentProgress = 0;
    const deadline = started + STREAM_SECONDS * 1000;
    let nextEpoch = started;
    let nextProgress = started;
    while (Date.now() < deadline) {
      const now = Date.now();
      if (now >= nextEpoch && sentEpochs < epochs.length) {
        const e = epochs[sentEpochs];
        await prisma.epochMetric.create({
          data: {
            runId: liveRunId,
            ...e,
            perClass: JSON.parse(JSON.stringify(e.perClass)),
            confusionMatrix: JSON.parse(JSON.stringify(e.confusionMatrix)),
          },
        });
        await bus.publish({ runId: liveRunId, kind: "EPOCH", at: new Date().toISOString(), epoch: e.epoch });
        sentEpochs++;
        nextEpoch += 1000 / EPOCHS_PER_SECOND;
      }
      if (now >= nextProgress) {
        sentProgress++;
        await bus.publish({
          runId: liveRunId,
          kind: "PROGRESS",
          at: new Date().toISOString(),
          progress: {
            phase: "TRAINING",
            epoch: sentEpochs + 1,
            batch: sentProgress % 20,
            batchCount: 20,
            imagesDone: (sentProgress % 20) * 40,
            imagesTotal: 800,
            imagesPerSecond: 320,
            etaSeconds: (deadline - now) / 1000,
            loss: 1.2,
          },
        });
        nextProgress += 1000 / PROGRESS_PER_SECOND;
      }
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, Math.min(nextEpoch, nextProgress) - Date.now())),
      );
    }
    const chart = streamPage.locator('[data-testid="accuracy-chart"] .chart');
    const drawDeadline = Date.now() + 10_000;
    while (Number(await chart.getAttribute("data-points")) < sentEpochs && Date.now() < drawDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const points = Number(await chart.getAttribute("data-points"));
    const tasks = (await longTasks(streamPage)).slice(before.length);
    log(
      `stream: ${sentEpochs} epochs, ${sentProgress} progress events, chart ${points} points, ${tasks.length} long tasks`,
    );

    // 3. Compare 20 runs × 200 epochs.
    const renders: number[] = [];
    const totals: number[] = [];
    for (let pass = 0; pass < 5; pass++) {
      const comparePage = (await browser.newPage()).page;
      await comparePage
        .context()
        .addInitScript((key) => localStorage.setItem("logolab.apiKey", key), server.keys.viewer);
      const t0 = Date.now();
      await comparePage.goto(`${url}/compare?ids=${compareIds.join(",")}`);
      await comparePage.waitForFunction(
        () => performance.getEntriesByName("logolab:compare-render").length > 0,
        null,
        {
          timeout: 60_000,
        },
      );
      totals.push(Date.now() - t0);
      renders.push(
        await comparePage.evaluate(() => performance.getEntriesByName("logolab:compare-render")[0].duration),
      );
      await comparePage.context().close();
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const renderMs = median(renders);

    const [load1] = os.loadavg();
    const rows: [string, string, string, string][] = [
      [
        "machine: CPUs / load average (1 min) at the end",
        `${os.cpus().length} / ${load1.toFixed(1)}`,
        "",
        "",
      ],
      [
        "first load (/): HTML + JS + CSS, gzip",
        `${firstLoadKb.toFixed(1)} KB`,
        "≤ 200 KB (issue budget)",
        `${(firstLoadKb / 200).toFixed(2)}×`,
      ],
      ["  of which JS, gzip", `${jsKb.toFixed(1)} KB`, "", ""],
      ["  uncompressed", `${rawKb.toFixed(1)} KB`, "", ""],
      [
        `run page, ${EPOCHS_PER_SECOND} epochs/s + ${PROGRESS_PER_SECOND} progress/s × ${STREAM_SECONDS} s: long tasks`,
        String(tasks.length),
        "0 (issue budget)",
        tasks.length ? `longest ${Math.max(...tasks).toFixed(0)} ms` : "—",
      ],
      [
        "  chart points drawn / epochs sent",
        `${points} / ${sentEpochs}`,
        "all",
        points === sentEpochs ? "ok" : "MISSING",
      ],
      [
        `compare ${COMPARE_RUNS} runs × ${COMPARE_EPOCHS} epochs: render (median of 5)`,
        `${renderMs.toFixed(0)} ms`,
        "≤ 200 ms (issue budget)",
        `${(renderMs / 200).toFixed(2)}×`,
      ],
      ["  navigation → rendered (API included, median)", `${median(totals)} ms`, "", ""],
    ];
    const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c].length), 8));
    console.log(["measure", "value", "baseline", "ratio"].map((h, i) => h.padEnd(widths[i])).join(" | "));
    console.log(widths.map((w) => "-".repeat(w)).join("-|-"));
    for (const r of rows) console.log(r.map((cell, i) => cell.padEnd(widths[i])).join(" | "));
    console.log(
      `bench:web first_load_kb=${firstLoadKb.toFixed(1)} long_tasks=${tasks.length} render_ms=${renderMs.toFixed(0)}`,
    );
  } finally {
    await browser.close();
    await server.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

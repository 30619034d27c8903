import { Presets, SingleBar } from "cli-progress";
import type { Config } from "../config";
import type { DatasetProgress } from "../datasets/importProgress";
import { openDatabase } from "../db/database";
import type { Dataset } from "../experiments/datasets";
import { isId } from "../experiments/ids";
import type { Registry } from "../experiments/registry";
import type { EpochMetric } from "../experiments/runs";
import { articleRuns } from "./articleRuns";
import { RunProgressBars } from "./runProgressBars";
import type { Services } from "../api/context";
import { reproduceArticle, type ReproduceResult, type ReproducedRun } from "./articleReproduction";
import { startPlatform } from "./platform";
import { selectBackend } from "../ml/backend";
import { ProcessLifecycle } from "./processLifecycle";

const percent = (value: number | null | undefined) =>
  value === null || value === undefined ? "  –  " : `${(value * 100).toFixed(1)}%`;

function pad(text: string, width: number): string {
  return text.length >= width ? text : " ".repeat(width - text.length) + text;
}

/** The article's side-by-side table: per epoch, loss and train/val/test accuracy of each run. */
export function formatEpochTable(runs: ReproducedRun[]): string {
  const epochCount = Math.max(0, ...runs.map((r) => r.epochs.length));
  const columns = ["loss", "train", "val", "test"];
  const width = 8;
  const header =
    "epoch │ " +
    runs
      .map((r) =>
        columns.map((c) => pad(`${r.article.label} ${c}`.slice(-width * 2), width * 2 - 2)).join(" "),
      )
      .join(" │ ");
  const rows: string[] = [header, "─".repeat(header.length)];
  for (let i = 0; i < epochCount; i++) {
    const cells = runs.map((r) => {
      const e: EpochMetric | undefined = r.epochs[i];
      const values = e
        ? [e.loss.toFixed(4), percent(e.trainAccuracy), percent(e.valAccuracy), percent(e.testAccuracy)]
        : ["", "", "", ""];
      return values.map((v) => pad(v, width * 2 - 2)).join(" ");
    });
    rows.push(`${pad(String(i + 1), 5)} │ ${cells.join(" │ ")}`);
  }
  return rows.join("\n");
}

/** Best epoch, macro-F1 and accuracies of each run next to the majority baseline. */
export function formatSummary(result: ReproduceResult): string {
  const lines = [`experiment ${result.experiment.name} (${result.experiment.id})`];
  for (const r of result.runs) {
    const best = r.epochs.find((e) => e.epoch === r.run.bestEpoch);
    lines.push(
      `${r.article.label.padEnd(10)} ${r.article.description}: ${r.run.status}` +
        (best
          ? `, best epoch ${best.epoch}: val macro-F1 ${best.valMacroF1.toFixed(3)}, val acc ${percent(best.valAccuracy)}, ` +
            `test acc ${percent(best.testAccuracy)}, majority baseline ${percent(best.majorityBaselineAccuracy)}`
          : r.run.error
            ? ` (${r.run.error})`
            : ""),
    );
  }
  lines.push(
    result.winner
      ? `production → ${result.winner.article.label} run ${result.winner.run.id} (best validation macro-F1)`
      : "no run finished an epoch: production unchanged",
  );
  return lines.join("\n");
}

/** Options of `logolab reproduce`. */
export interface ReproduceCommandOptions {
  /** A dataset id, or the path of a FlickrLogos-32 release to import; default: SynthLogos-32. */
  dataset?: string;
  /** A smaller generated split and fewer epochs: minutes on 2 CPU cores. */
  isQuick: boolean;
}

/** A cli-progress bar for dataset preparation phases. */
function datasetBar(title: string) {
  const bar = new SingleBar(
    {
      format: `${title} {phase} |{bar}| {value}/{total} eta {eta_formatted}`,
      stream: process.stderr,
      // Piped output (CI logs, files) gets a line every few seconds instead of nothing.
      noTTYOutput: true,
      notTTYSchedule: 5000,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
  let phase = "";
  return {
    onProgress: (progress: DatasetProgress) => {
      if (progress.phase !== phase) {
        if (phase) bar.stop();
        phase = progress.phase;
        bar.start(progress.total, progress.done, { phase: phase.padEnd(10) });
      } else bar.update(progress.done, { phase: phase.padEnd(10) });
    },
    stop: () => phase && bar.stop(),
  };
}

async function reproductionDataset(
  registry: Registry,
  services: Services,
  options: ReproduceCommandOptions,
): Promise<Dataset> {
  if (options.dataset && isId(options.dataset)) {
    const dataset = await registry.datasets.get(options.dataset);
    if (!dataset) throw new Error(`no dataset ${options.dataset}`);
    if (dataset.status !== "READY")
      throw new Error(`dataset ${options.dataset} is ${dataset.status}, not READY`);
    return dataset;
  }
  const bar = datasetBar(options.dataset ? "importing FlickrLogos-32" : "preparing SynthLogos-32");
  try {
    if (options.dataset) {
      return await services.preparation.import(
        { format: "FLICKRLOGOS32", path: options.dataset, splitRecipe: "ARTICLE" },
        bar.onProgress,
      );
    }
    const generation = await services.preparation.startSynthetic(
      options.isQuick ? QUICK_DATASET : ARTICLE_DATASET,
      bar.onProgress,
    );
    const dataset = await generation.finished;
    if (dataset.status !== "READY") throw new Error(`SynthLogos-32 generation failed: ${dataset.error}`);
    return dataset;
  } finally {
    bar.stop();
  }
}

/** The quick reproduction's data: SynthLogos-32 at a quarter of FlickrLogos-32's size. */
const QUICK_DATASET = { name: "SynthLogos-32 (quick)", scale: 0.25, seed: 1 };
/** The full reproduction's data: SynthLogos-32 at FlickrLogos-32's size (10 training images per brand). */
const ARTICLE_DATASET = { name: "SynthLogos-32 (article sizes)", scale: 1, seed: 1 };

/**
 * `logolab reproduce`: the article's comparison end to end on this machine, with two workers so
 * both runs train at once, progress bars, the side-by-side table and the production alias.
 * SIGINT/SIGTERM stops it: the runs go back to the queue (a later `serve` or `worker` resumes them
 * from their last checkpoint) and everything closes.
 */
export async function reproduceCommand(config: Config, options: ReproduceCommandOptions): Promise<void> {
  const lifecycle = new ProcessLifecycle({ timeoutMs: config.shutdownTimeoutMs });
  const { platform, backend } = await lifecycle.start(async () => {
    const database = lifecycle.own(
      "the database",
      await openDatabase(config, { command: "logolab reproduce", access: "owner", isShared: true }),
      (d) => d.close(),
    );
    const ml = await selectBackend(config.mlBackend);
    const started = lifecycle.own(
      "training workers, queue, event bus and inference",
      await startPlatform(config, database, { workerCount: 2 }),
      async (p) => {
        await p.stop();
        if (lifecycle.isStopping) {
          console.error(
            "runs in progress went back to the queue: `logolab serve` (or `logolab worker`) resumes them from their last checkpoint",
          );
        }
      },
    );
    lifecycle.own("dataset preparations", started.services.preparation, (p) =>
      p.interruptSynthetic("interrupted: logolab reproduce was stopped"),
    );
    return { platform: started, backend: ml.backend };
  });
  try {
    const { registry, services } = platform;
    const dataset = await reproductionDataset(registry, services, options);
    console.error(`dataset ${dataset.name} v${dataset.version} (${dataset.id}); ML backend ${backend}`);
    const bars = lifecycle.own("the progress bars", new RunProgressBars(), (b) => b.stop());
    for (const run of articleRuns({ isQuick: options.isQuick, backend }))
      bars.add(run.label, run.hyperparameters.epochs);
    const result = await reproduceArticle(registry, services, {
      datasetId: dataset.id,
      isQuick: options.isQuick,
      backend,
      onEvent: (label, event) => bars.update(label, event),
      stopRequest: lifecycle.stopRequest,
    });
    bars.stop();
    console.log(`\n${formatEpochTable(result.runs)}\n\n${formatSummary(result)}`);
  } finally {
    if (!lifecycle.isStopping) await lifecycle.close();
  }
}

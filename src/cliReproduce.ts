import { MultiBar, Presets, type SingleBar } from "cli-progress";
import type { EpochMetric } from "./experiments/runs";
import type { RunEventMessage } from "./jobs/events";
import type { ReproduceResult, ReproducedRun } from "./jobs/reproduce";

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

/** One progress bar per run, fed by run events: epoch, batch, images/s and ETA. */
export class RunProgressBars {
  private readonly multiBar = new MultiBar(
    {
      format: "{label} |{bar}| {percentage}% epoch {epoch}/{epochs} {speed} img/s eta {etaText} {status}",
      hideCursor: true,
      clearOnComplete: false,
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  private readonly bars = new Map<string, { bar: SingleBar; epochs: number }>();

  add(label: string, epochs: number): void {
    const bar = this.multiBar.create(epochs * 1000, 0, {
      label: label.padEnd(10),
      epoch: 0,
      epochs,
      speed: "–",
      etaText: "–",
      status: "QUEUED",
    });
    this.bars.set(label, { bar, epochs });
  }

  update(label: string, event: RunEventMessage): void {
    const entry = this.bars.get(label);
    if (!entry) return;
    if (event.kind === "PROGRESS" && event.progress) {
      const p = event.progress;
      const value = (p.epoch - 1) * 1000 + Math.round((1000 * p.imagesDone) / Math.max(1, p.imagesTotal));
      entry.bar.update(value, {
        epoch: p.epoch,
        speed: p.imagesPerSecond.toFixed(1),
        etaText: p.etaSeconds === null ? "–" : `${Math.round(p.etaSeconds)}s`,
        status: "RUNNING",
      });
    } else if (event.kind === "EPOCH" && event.epoch) {
      entry.bar.update(event.epoch * 1000, { epoch: event.epoch });
    } else if (event.kind === "STATUS" && event.status) {
      entry.bar.update({ status: event.status });
    }
  }

  stop(): void {
    this.multiBar.stop();
  }
}

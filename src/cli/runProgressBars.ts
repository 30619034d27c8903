import { MultiBar, Presets, type SingleBar } from "cli-progress";
import type { RunEventMessage } from "../jobs/events";

/** One progress bar per run, fed by run events: epoch, batch, images/s and ETA. */
export class RunProgressBars {
  private readonly multiBar = new MultiBar(
    {
      format: "{label} |{bar}| {percentage}% epoch {epoch}/{epochs} {speed} img/s eta {etaText} {status}",
      hideCursor: true,
      clearOnComplete: false,
      stream: process.stderr,
      // Piped output (CI logs, files) gets a line every few seconds instead of nothing.
      noTTYOutput: true,
      notTTYSchedule: 5000,
    },
    Presets.shades_classic,
  );
  private readonly bars = new Map<string, { bar: SingleBar; payload: Record<string, string | number> }>();

  add(label: string, epochs: number): void {
    const payload = { label: label.padEnd(10), epoch: 0, epochs, speed: "–", etaText: "–", status: "QUEUED" };
    this.bars.set(label, { bar: this.multiBar.create(epochs * 1000, 0, payload), payload });
  }

  /** cli-progress replaces the payload on update, so every update carries all of it. */
  update(label: string, event: RunEventMessage): void {
    const entry = this.bars.get(label);
    if (!entry) return;
    const p = event.progress;
    let value: number | undefined;
    if (event.kind === "PROGRESS" && p?.phase === "EMBEDDING") {
      // Head-only runs embed every image once before their first epoch: minutes on wasm.
      const secondsLeft = (p.imagesTotal - p.imagesDone) / Math.max(p.imagesPerSecond, 1e-9);
      Object.assign(entry.payload, {
        speed: p.imagesPerSecond.toFixed(1),
        etaText: p.imagesPerSecond > 0 ? `${Math.round(secondsLeft)}s` : "–",
        status: `EMBEDDING ${p.imagesDone}/${p.imagesTotal} images`,
      });
    } else if (event.kind === "PROGRESS" && p) {
      value = (p.epoch - 1) * 1000 + Math.round((1000 * p.imagesDone) / Math.max(1, p.imagesTotal));
      Object.assign(entry.payload, {
        epoch: p.epoch,
        speed: p.imagesPerSecond.toFixed(1),
        etaText: p.etaSeconds === null ? "–" : `${Math.round(p.etaSeconds)}s`,
        status: "RUNNING",
      });
    } else if (event.kind === "EPOCH" && event.epoch) {
      value = event.epoch * 1000;
      entry.payload.epoch = event.epoch;
    } else if (event.kind === "STATUS" && event.status) {
      entry.payload.status = event.status;
    }
    if (value === undefined) entry.bar.update(entry.payload);
    else entry.bar.update(value, entry.payload);
  }

  stop(): void {
    this.multiBar.stop();
  }
}

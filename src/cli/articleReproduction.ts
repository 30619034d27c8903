import type { Registry } from "../experiments/registry";
import type { Experiment } from "../experiments/experiments";
import { summariseComparison } from "../experiments/runComparison";
import type { EpochMetric, Run } from "../experiments/runs";
import type { MlBackend } from "../ml/backend";
import { isTerminalRunStatus, type RunStatus } from "../vocabulary";
import { articleRuns, type ArticleRun } from "./articleRuns";
import type { RunEventMessage } from "../jobs/events";
import type { Services } from "../api/context";

/** What `reproduceArticle` needs to know. */
export interface ReproduceOptions {
  datasetId: string;
  isQuick: boolean;
  backend: MlBackend;
  /** Every event of the two runs, labelled with the run's label (for progress bars). */
  onEvent?: (label: string, event: RunEventMessage) => void;
  /** When aborted (a signal), stops following the runs and rejects; the runs themselves go on elsewhere. */
  stopRequest?: AbortSignal;
}

/** One finished run of the reproduction with its committed epochs. */
export interface ReproducedRun {
  article: ArticleRun;
  run: Run;
  epochs: EpochMetric[];
}

/** What the reproduction produced. */
export interface ReproduceResult {
  experiment: Experiment;
  runs: ReproducedRun[];
  /** The run with the best validation macro-F1, now the `production` alias (null if no run finished an epoch). */
  winner: ReproducedRun | null;
}

/** Waits for a run to reach a final state, relaying its events. */
export async function followToEnd(
  services: Services,
  registry: Registry,
  runId: string,
  onEvent: (event: RunEventMessage) => void,
  stopRequest: AbortSignal | undefined,
): Promise<Run> {
  const events = services.bus.subscribe(runId);
  const stopFollowing = () => void events.return?.();
  stopRequest?.addEventListener("abort", stopFollowing);
  // Events published before subscribing are not replayed: check the stored state too.
  const poll = setInterval(async () => {
    const run = await registry.runs.get(runId);
    if (run && isTerminalRunStatus(run.status)) await events.return?.();
  }, 2000);
  try {
    for await (const event of events) {
      onEvent(event);
      if (event.kind === "STATUS" && isTerminalRunStatus(event.status as RunStatus)) break;
    }
  } finally {
    clearInterval(poll);
    stopRequest?.removeEventListener("abort", stopFollowing);
    await events.return?.();
  }
  stopRequest?.throwIfAborted();
  return (await registry.runs.get(runId))!;
}

/**
 * The article's experiment on one dataset: an experiment with its two runs (CNN from scratch vs a
 * pretrained backbone with only the head trained), run to the end on this process's workers, then
 * the better run (best validation macro-F1) set as `production`.
 */
export async function reproduceArticle(
  registry: Registry,
  services: Services,
  options: ReproduceOptions,
): Promise<ReproduceResult> {
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
  const experiment = await registry.experiments.create({
    name: `article reproduction ${stamp}${options.isQuick ? " (quick)" : ""}`,
    description:
      "CNN trained from scratch vs pretrained backbone with only the head trained (FlickrLogos-32 article)",
    datasetId: options.datasetId,
    tags: ["article", options.isQuick ? "quick" : "full"],
  });
  const plan = articleRuns({ isQuick: options.isQuick, backend: options.backend });
  const started = [];
  for (const article of plan) {
    started.push({
      article,
      run: await services.runs.start({
        experimentId: experiment.id,
        hyperparameters: article.hyperparameters,
      }),
    });
  }
  const finished = await Promise.all(
    started.map(({ article, run }) =>
      followToEnd(
        services,
        registry,
        run.id,
        (event) => options.onEvent?.(article.label, event),
        options.stopRequest,
      ),
    ),
  );
  const epochs = await registry.runs.epochsOfRuns(finished.map((r) => r.id));
  const runs = started.map(({ article }, i) => ({ article, run: finished[i], epochs: epochs[i] }));
  const { bestRunId } = summariseComparison(finished.filter((r) => r.status === "SUCCEEDED"));
  const winner = runs.find((r) => r.run.id === bestRunId) ?? null;
  if (winner) await registry.modelAliases.set("production", winner.run.id, null);
  return { experiment, runs, winner };
}

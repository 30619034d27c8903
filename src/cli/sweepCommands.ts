import { readFile } from "node:fs/promises";
import { Command, InvalidArgumentError, Option } from "commander";
import type { Config } from "../config";
import type { Database } from "../db/database";
import type { Registry } from "../experiments/registry";
import { sweepDimensionsOf, sweepStatusOf, type Sweep } from "../experiments/sweeps";
import type { Run } from "../experiments/runs";
import { SWEEP_STRATEGIES, type SweepStrategy } from "../vocabulary";
import { followToEnd } from "./articleReproduction";
import type { Platform } from "./platform";
import { ProcessLifecycle } from "./processLifecycle";
import { RunProgressBars } from "./runProgressBars";
import { pointLabel, spaceFromArguments } from "./sweepArguments";

function parseStrategy(value: string): SweepStrategy {
  const strategy = value.toUpperCase();
  if (!(SWEEP_STRATEGIES as readonly string[]).includes(strategy)) {
    throw new InvalidArgumentError(`strategy must be one of ${SWEEP_STRATEGIES.join(", ").toLowerCase()}`);
  }
  return strategy as SweepStrategy;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("must be a whole number");
  return n;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** JSON given inline or as `@path` to a file. */
async function jsonArgument(value: string | undefined): Promise<string | undefined> {
  return value?.startsWith("@") ? readFile(value.slice(1), "utf8") : value;
}

const decimal = (value: number | null) => (value === null ? "  –  " : value.toFixed(3));

/** The sweep's runs, one line each, and its best run. */
function formatSweep(sweep: Sweep, runs: Run[], registryStatus: string): string {
  const varied = sweepDimensionsOf(sweep).map((d) => d.name);
  const lines = [
    `sweep ${sweep.id} (${sweep.strategy}, ${runs.length} runs): ${registryStatus}`,
    `${"run".padEnd(5)} ${"status".padEnd(10)} ${"best val F1".padStart(11)} ${"val acc".padStart(7)}  point`,
    ...runs.map(
      (run, i) =>
        `${String(i + 1).padEnd(5)} ${run.status.padEnd(10)} ${decimal(run.bestValMacroF1).padStart(11)} ${decimal(run.bestValAccuracy).padStart(7)}  ${pointLabel({ ...run.hyperparameters }, varied)}`,
    ),
  ];
  const best = runs
    .filter((r) => r.bestValMacroF1 !== null)
    .sort((a, b) => b.bestValMacroF1! - a.bestValMacroF1! || (a.id < b.id ? 1 : -1))[0];
  lines.push(
    best
      ? `best run ${best.id} (val macro-F1 ${decimal(best.bestValMacroF1)})`
      : "no run has a best epoch yet",
  );
  return lines.join("\n");
}

async function sweepRuns(registry: Registry, sweep: Sweep): Promise<Run[]> {
  const page = await registry.runs.list(
    { first: 100 },
    { filter: { sweepIds: [sweep.id] } },
    "CREATED_AT_ASC",
  );
  return page.nodes;
}

async function statusText(registry: Registry, sweep: Sweep): Promise<string> {
  const [counts] = await registry.sweeps.runStatusCounts([sweep.id]);
  const parts = Object.entries(counts)
    .filter(([name, n]) => name !== "total" && n > 0)
    .map(([name, n]) => `${n} ${name.toLowerCase()}`);
  return `${sweepStatusOf(sweep, counts)} (${parts.join(", ") || "no runs"})`;
}

interface StartOptions {
  experiment: string;
  space?: string;
  vary: string[];
  range: string[];
  strategy: SweepStrategy;
  maxRuns?: number;
  seed?: number;
  hyperparameters?: string;
  workers: number;
  detach: boolean;
}

/**
 * `logolab sweep start`: queues the sweep, then (unless --detach) trains it on this process's
 * workers with a progress bar per run; Ctrl-C cancels the sweep (a second one exits at once).
 */
async function startCommand(config: Config, options: StartOptions): Promise<void> {
  const space = spaceFromArguments(await jsonArgument(options.space), options.vary, options.range);
  const hyperparametersText = await jsonArgument(options.hyperparameters);
  const hyperparameters = hyperparametersText
    ? (JSON.parse(hyperparametersText) as Record<string, unknown>)
    : undefined;
  const workerCount = options.detach ? 0 : options.workers;
  const lifecycle = new ProcessLifecycle({ timeoutMs: config.shutdownTimeoutMs });
  const platform = await lifecycle.start(() =>
    openPlatform(config, lifecycle, "logolab sweep start", workerCount),
  );
  try {
    const { registry, services } = platform;
    const sweep = await services.sweeps.start({
      experimentId: options.experiment,
      space,
      strategy: options.strategy,
      maxRuns: options.maxRuns ?? null,
      seed: options.seed ?? null,
      hyperparameters,
    });
    const runs = await sweepRuns(registry, sweep);
    const varied = sweepDimensionsOf(sweep).map((d) => d.name);
    console.log(`sweep ${sweep.id}: ${runs.length} runs queued`);
    runs.forEach((run, i) =>
      console.log(`  run ${i + 1}: ${run.id}  ${pointLabel({ ...run.hyperparameters }, varied)}`),
    );
    if (options.detach) return;
    // Closed first on Ctrl-C/SIGTERM: the sweep is cancelled, then the workers stop.
    lifecycle.own("the sweep", sweep, async (s) => {
      if (!lifecycle.isStopping) return;
      console.error("\ncancelling the sweep…");
      await services.sweeps.cancel(s.id);
    });
    const bars = lifecycle.own("the progress bars", new RunProgressBars(), (b) => b.stop());
    const labels = runs.map((_, i) => `run ${i + 1}/${runs.length}`);
    runs.forEach((run, i) => bars.add(labels[i], run.hyperparameters.epochs));
    await Promise.all(
      runs.map((run, i) =>
        followToEnd(
          services,
          registry,
          run.id,
          (event) => bars.update(labels[i], event),
          lifecycle.stopRequest,
        ),
      ),
    );
    bars.stop();
    const finished = (await registry.sweeps.get(sweep.id))!;
    console.log(
      `\n${formatSweep(finished, await sweepRuns(registry, finished), await statusText(registry, finished))}`,
    );
  } finally {
    if (!lifecycle.isStopping) await lifecycle.close();
  }
}

/**
 * Opens the database and a platform on it for `command`, owned by `lifecycle`. With workers this
 * process trains, so it must own the embedded database; without, it goes through a running
 * server's socket when one holds it.
 */
async function openPlatform(
  config: Config,
  lifecycle: ProcessLifecycle,
  command: string,
  workerCount: number,
): Promise<Platform> {
  const [{ openDatabase }, { startPlatform }] = await Promise.all([
    import("../db/database.js"),
    import("./platform.js"),
  ]);
  const database: Database = lifecycle.own(
    "the database",
    await openDatabase(
      config,
      workerCount > 0 ? { command, access: "owner", isShared: true } : { command, access: "shared" },
    ),
    (d) => d.close(),
  );
  return lifecycle.own(
    "the queue, event bus and workers",
    await startPlatform(config, database, { workerCount }),
    (p) => p.stop(),
  );
}

/** Opens the database (shared with a running server), runs `work` on the registry, closes it. */
async function withRegistry<T>(
  config: Config,
  command: string,
  work: (registry: Registry) => Promise<T>,
): Promise<T> {
  const [{ withDatabase }, { createRegistry }] = await Promise.all([
    import("./withDatabase.js"),
    import("../experiments/registry.js"),
  ]);
  return withDatabase(config, command, (database) => work(createRegistry(database.prisma)));
}

async function requireSweep(registry: Registry, id: string): Promise<Sweep> {
  const sweep = await registry.sweeps.get(id);
  if (!sweep) throw new Error(`no sweep ${id}`);
  return sweep;
}

/** `logolab sweep start|status|cancel`. */
export function registerSweepCommands(program: Command, config: Config): void {
  const sweep = program.command("sweep").description("queue and follow runs over a hyperparameter space");
  sweep
    .command("start")
    .description("queue a sweep and train it on this process's workers, a progress bar per run")
    .requiredOption("--experiment <id>", "experiment the runs belong to")
    .option("--space <json>", 'the space as JSON (or @file.json), e.g. {"learningRate":[0.1,0.01]}')
    .option("--vary <name=values>", "a dimension, e.g. learningRate=0.1,0.01 (repeatable)", collect, [])
    .option(
      "--range <name=min:max[:log]>",
      "RANDOM only: e.g. learningRate=0.0001:0.1:log (repeatable)",
      collect,
      [],
    )
    .addOption(new Option("--strategy <strategy>", "grid or random").argParser(parseStrategy).default("GRID"))
    .option("--max-runs <n>", "grid: at most this many runs; random: how many to draw", parseCount)
    .option("--seed <n>", "seed of random draws", parseCount)
    .option("--hyperparameters <json>", "hyperparameters every run shares (JSON or @file.json)")
    .option(
      "--workers <n>",
      "training workers in this process (0: leave the runs to other workers)",
      parseCount,
      1,
    )
    .option("--detach", "queue the sweep and exit without training or following it", false)
    .action((options: StartOptions) => startCommand(config, options));
  sweep
    .command("status <id>")
    .description("a sweep's status, its runs and its best run")
    .action((id: string) =>
      withRegistry(config, "logolab sweep status", async (registry) => {
        const found = await requireSweep(registry, id);
        console.log(formatSweep(found, await sweepRuns(registry, found), await statusText(registry, found)));
      }),
    );
  sweep
    .command("cancel <id>")
    .description("cancel a sweep: its queued runs at once, its running runs after their current batch")
    .action(async (id: string) => {
      // Cancelling needs the queue (the queued runs' jobs) and the event bus: a platform without workers.
      const lifecycle = new ProcessLifecycle({
        timeoutMs: config.shutdownTimeoutMs,
        signalExitCode: "signal",
      });
      const platform = await lifecycle.start(() =>
        openPlatform(config, lifecycle, "logolab sweep cancel", 0),
      );
      try {
        const cancelled = await platform.services.sweeps.cancel(id);
        console.log(`cancelled sweep ${cancelled.id}: ${await statusText(platform.registry, cancelled)}`);
      } finally {
        await lifecycle.close();
      }
    });
}

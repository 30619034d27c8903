import { NotFoundError, ValidationError } from "../errors";
import type { Registry } from "../experiments/registry";
import type { Run } from "../experiments/runs";
import { DEFAULT_EFFECTIVE_NUMBER_BETA } from "../ml/classWeights";
import { validateHyperparameters, withDefaults, type Hyperparameters } from "../ml/hyperparameters";
import type { EventBus } from "./events";
import type { TrainingQueue } from "./trainingQueue";

/** Hyperparameters as a client sends them: any subset, nulls meaning "default". */
export type RunHyperparametersInput = { [K in keyof Hyperparameters]?: Hyperparameters[K] | null };

/** What `startRun` accepts: an experiment and any hyperparameters (the rest take defaults). */
export interface StartRunRequest {
  experimentId: string;
  hyperparameters?: RunHyperparametersInput | null;
}

function withoutNulls(value: RunHyperparametersInput | null | undefined): Partial<Hyperparameters> {
  return Object.fromEntries(
    Object.entries(value ?? {}).filter(([, v]) => v !== null && v !== undefined),
  ) as Partial<Hyperparameters>;
}

/** Starting and cancelling runs: validation, the QUEUED row, the queue job, the announcement. */
export class RunLauncher {
  constructor(
    private readonly registry: Registry,
    private readonly queue: TrainingQueue,
    private readonly bus: EventBus,
  ) {}

  private announce(run: Run, kind: "STATUS" | "CANCEL_REQUESTED" = "STATUS"): Promise<void> {
    return this.bus.publish({ runId: run.id, kind, status: run.status, at: new Date().toISOString() });
  }

  /**
   * Validates everything before writing: the experiment exists, its dataset is READY, and the
   * hyperparameters (article defaults filled in) are valid for the dataset's classes. Then writes a
   * QUEUED run and enqueues it; if enqueueing fails the run is FAILED with the reason.
   */
  async start(request: StartRunRequest): Promise<Run> {
    const { experimentId, complete } = await this.validator(request.experimentId);
    const hyperparameters = complete(request.hyperparameters);
    return this.enqueue(await this.registry.runLifecycle.createQueued(experimentId, hyperparameters));
  }

  /**
   * Checks that runs can start on the experiment (it exists, its dataset is READY) and returns a
   * function that completes and validates hyperparameters for that dataset (throws BAD_USER_INPUT
   * naming the field). Writes nothing.
   */
  async validator(experimentId: string): Promise<{
    experimentId: string;
    complete: (input: RunHyperparametersInput | null | undefined) => Hyperparameters;
  }> {
    const experiment = await this.registry.experiments.get(experimentId);
    if (!experiment) throw new NotFoundError("Experiment", experimentId);
    const dataset = await this.registry.datasets.get(experiment.datasetId);
    if (!dataset || dataset.status !== "READY") {
      throw new ValidationError(
        `the experiment's dataset is ${dataset?.status ?? "missing"}; runs need a READY dataset`,
        { field: "experimentId" },
      );
    }
    const complete = (input: RunHyperparametersInput | null | undefined): Hyperparameters => {
      const validated = validateHyperparameters(withDefaults(withoutNulls(input)), dataset.classes.length);
      // Stored complete, so the record says exactly what the run used.
      return {
        ...validated,
        effectiveNumberBeta: validated.effectiveNumberBeta ?? DEFAULT_EFFECTIVE_NUMBER_BETA,
      };
    };
    return { experimentId: experiment.id, complete };
  }

  /** Enqueues a QUEUED run and announces it; a run the queue refuses is FAILED with the reason. */
  async enqueue(run: Run): Promise<Run> {
    try {
      await this.registry.runLifecycle.attachJob(run.id, await this.queue.enqueue(run.id));
    } catch (error) {
      await this.registry.runLifecycle.finish(
        run.id,
        "FAILED",
        `could not be queued: ${String(error)}`,
        null,
      );
      const failed = (await this.registry.runs.get(run.id))!;
      await this.announce(failed);
      return failed;
    }
    await this.announce(run);
    return run;
  }

  /** Cancels a queued run at once; asks a running one to stop after its current batch. */
  async cancel(runId: string): Promise<Run> {
    const outcome = await this.registry.runLifecycle.requestCancel(runId);
    if (outcome.kind === "cancelled-queued") {
      if (outcome.run.jobId) await this.queue.cancel(outcome.run.jobId);
      await this.announce(outcome.run);
    } else {
      await this.announce(outcome.run, "CANCEL_REQUESTED");
    }
    return outcome.run;
  }
}

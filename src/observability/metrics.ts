import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** Latency buckets of API calls, seconds (5 ms … 10 s). */
const REQUEST_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Durations of training epochs, seconds (1 s … 1 h). */
const EPOCH_SECONDS = [1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** Micro-batch sizes (powers of two up to 64). */
const BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64];

/**
 * Every metric LogoLab exports, on its own prom-client registry (one per process; tests run
 * several servers in one process). Names and meanings are listed in the README's Observability
 * section; gauges that read a current state are filled at scrape time by collectors that
 * `observePlatform` registers.
 */
export class LogoLabMetrics {
  readonly registry = new Registry();

  readonly graphqlOperations = new Counter({
    name: "logolab_graphql_operations_total",
    help: "GraphQL operations over HTTP, by operation name, root field, type and outcome (ok or the first error's extensions.code)",
    labelNames: ["operation", "root_field", "type", "outcome"] as const,
    registers: [this.registry],
  });

  readonly graphqlDuration = new Histogram({
    name: "logolab_graphql_operation_duration_seconds",
    help: "Time from receiving a GraphQL operation over HTTP to its response, seconds",
    labelNames: ["operation", "root_field", "type", "outcome"] as const,
    buckets: REQUEST_SECONDS,
    registers: [this.registry],
  });

  readonly classifyDuration = new Histogram({
    name: "logolab_classify_duration_seconds",
    help: "Time the inference engine took for one classifyImage image (admission, decoding, batching, forward pass), by outcome",
    labelNames: ["outcome"] as const,
    buckets: REQUEST_SECONDS,
    registers: [this.registry],
  });

  readonly inferenceBatchSize = new Histogram({
    name: "logolab_inference_batch_size",
    help: "Images per forward pass of the micro-batcher",
    buckets: BATCH_SIZES,
    registers: [this.registry],
  });

  readonly forwardPassDuration = new Histogram({
    name: "logolab_inference_forward_pass_seconds",
    help: "Duration of one forward pass (a micro-batch), seconds",
    buckets: REQUEST_SECONDS,
    registers: [this.registry],
  });

  readonly trainingEpochs = new Counter({
    name: "logolab_training_epochs_total",
    help: "Training epochs committed by this process's workers",
    registers: [this.registry],
  });

  readonly epochDuration = new Histogram({
    name: "logolab_training_epoch_duration_seconds",
    help: "Wall time of one training epoch (training batches and evaluation), seconds",
    buckets: EPOCH_SECONDS,
    registers: [this.registry],
  });

  readonly trainingImagesPerSecond = new Gauge({
    name: "logolab_training_images_per_second",
    help: "Training throughput of the latest epoch committed by this process, images per second",
    registers: [this.registry],
  });

  readonly runsConcluded = new Counter({
    name: "logolab_training_runs_concluded_total",
    help: "Training runs that left this process's workers, by conclusion: SUCCEEDED, FAILED, CANCELLED, or REQUEUED (the worker stopped)",
    labelNames: ["conclusion"] as const,
    registers: [this.registry],
  });

  readonly databaseRetries = new Counter({
    name: "logolab_database_retries_total",
    help: "Database steps of this process's workers retried because PostgreSQL could not be reached, by step",
    labelNames: ["step"] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** A gauge whose value is read when Prometheus scrapes (the reader may be async). */
  addCollectedGauge(
    name: string,
    help: string,
    read: () => number | Promise<number> | Record<string, number>,
    labelName?: string,
  ): void {
    new Gauge({
      name,
      help,
      labelNames: labelName ? [labelName] : [],
      registers: [this.registry],
      async collect() {
        const value = await read();
        if (typeof value === "number") {
          this.set(value);
          return;
        }
        for (const [label, labelled] of Object.entries(value)) this.set({ [labelName!]: label }, labelled);
      },
    });
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

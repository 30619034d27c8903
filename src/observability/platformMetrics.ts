import * as tf from "@tensorflow/tfjs";
import type { TrainingQueue } from "../jobs/trainingQueue";
import type { TrainingWorker } from "../jobs/worker";
import type { Classifier } from "../serving/classifier";
import type { LogoLabMetrics } from "./metrics";

/** The long-running parts of a process that metrics read. */
export interface ObservedParts {
  classifier: Classifier;
  workers: readonly TrainingWorker[];
  queue: TrainingQueue;
}

/**
 * Connects the metrics to the inference engine (requests, batches, queue, cache, the inference
 * thread's tensors), the training workers (epochs, images/s, outcomes) and the queue (waiting
 * jobs, read at scrape time), plus this thread's TensorFlow.js memory.
 */
export function observePlatform(metrics: LogoLabMetrics, parts: ObservedParts): void {
  const { classifier, workers, queue } = parts;
  classifier.observe({
    onClassified: (outcome, durationMs) => metrics.classifyDuration.observe({ outcome }, durationMs / 1000),
    onForwardPass: (batchSize, durationMs) => {
      metrics.inferenceBatchSize.observe(batchSize);
      metrics.forwardPassDuration.observe(durationMs / 1000);
    },
  });
  for (const worker of workers) {
    worker.observe({
      onEpochRecorded: (epoch) => {
        metrics.trainingEpochs.inc();
        metrics.epochDuration.observe(epoch.durationMs / 1000);
        metrics.trainingImagesPerSecond.set(epoch.imagesPerSecond);
      },
      onRunConcluded: (conclusion) => metrics.runsConcluded.inc({ conclusion }),
      onDatabaseRetry: (step) => metrics.databaseRetries.inc({ step }),
    });
  }
  metrics.addCollectedGauge(
    "logolab_inference_queue_depth",
    "classifyImage requests admitted and not yet answered (decoding, waiting for a batch or in a forward pass)",
    () => classifier.stats().pendingRequests,
  );
  metrics.addCollectedGauge(
    "logolab_inference_rejected_requests",
    "classifyImage requests refused with RATE_LIMITED because the inference queue was full, since start (a counter read from the engine)",
    () => classifier.stats().rejectedRequests,
  );
  metrics.addCollectedGauge(
    "logolab_inference_models_loaded",
    "Checkpoints loaded in the inference model cache",
    () => classifier.stats().cachedModels,
  );
  metrics.addCollectedGauge(
    "logolab_inference_model_cache_bytes",
    "Bytes of model weights held by the inference model cache",
    () => classifier.stats().cachedBytes,
  );
  metrics.addCollectedGauge(
    "logolab_training_queue_depth",
    "Training jobs waiting in the PostgreSQL queue for a worker (shared by every process)",
    () => queue.waitingCount(),
  );
  metrics.addCollectedGauge(
    "logolab_training_workers_busy",
    "Training workers of this process with a run in progress",
    () => workers.filter((worker) => worker.isBusy).length,
  );
  metrics.addCollectedGauge(
    "logolab_training_workers",
    "Training workers in this process",
    () => workers.length,
  );
  metrics.addCollectedGauge(
    "logolab_tfjs_tensors",
    "Live TensorFlow.js tensors, by thread: main (this process's event loop) and inference (as of the inference thread's latest reply)",
    () => ({ main: tf.memory().numTensors, inference: classifier.stats().inferenceTensors }),
    "thread",
  );
  metrics.addCollectedGauge(
    "logolab_tfjs_bytes",
    "Bytes held by live TensorFlow.js tensors in the main thread",
    () => tf.memory().numBytes,
  );
}

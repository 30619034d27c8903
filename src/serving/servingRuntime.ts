import type { Config } from "../config";
import type { Registry } from "../experiments/registry";
import { Classifier } from "./classifier";
import { ModelEvaluator } from "./modelEvaluation";
import { ModelServing } from "./modelServing";
import { TokenBucketLimiter } from "./rateLimit";

/** `classifyImage`'s machinery in one process: the inference engine and the service in front of it. */
export interface ServingRuntime {
  serving: ModelServing;
  /** `evaluateModel`, through the same Classifier. */
  evaluations: ModelEvaluator;
  /** The inference engine (its `stats()` show batching and the inference side's tensors). */
  classifier: Classifier;
  /** Refuses new requests, waits for those in flight, frees every model and the inference thread. */
  close(): Promise<void>;
}

/** Builds the Classifier, the per-key rate limit and the imageUrl policy from the configuration. */
export function createServingRuntime(config: Config, registry: Registry): ServingRuntime {
  const classifier = new Classifier({
    maxBatchSize: config.serveMaxBatch,
    maxQueueDelayMs: config.serveMaxDelayMs,
    maxQueueLength: config.serveMaxQueue,
    cacheBytes: config.serveCacheBytes,
    isInferenceThreadEnabled: config.isInferenceThreadEnabled,
    inferenceThreads: config.serveThreads,
    mlBackend: config.mlBackend,
  });
  const serving = new ModelServing(registry, classifier, {
    rateLimit: new TokenBucketLimiter(config.classifyRatePerSecond, config.classifyBurst),
    imageUrl: {
      isEnabled: config.isImageUrlEnabled,
      maxBytes: config.imageUrlMaxBytes,
      timeoutMs: config.imageUrlTimeoutMs,
    },
  });
  const evaluations = new ModelEvaluator(registry, classifier, {
    // Enough in flight to fill a micro-batch, well below the Classifier's queue bound.
    concurrency: Math.min(config.serveMaxBatch, Math.max(1, Math.floor(config.serveMaxQueue / 4))),
  });
  return {
    serving,
    evaluations,
    classifier,
    async close() {
      await evaluations.interrupt();
      await classifier.close();
    },
  };
}

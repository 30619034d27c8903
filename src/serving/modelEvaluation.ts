import { readFile } from "node:fs/promises";
import path from "node:path";
import { splitNameOf, type ManifestEntry } from "../datasets/datasetManifest";
import { readDatasetManifest } from "../datasets/materialiseDataset";
import { NotFoundError, ValidationError } from "../errors";
import type { Evaluation, EvaluationPrediction } from "../experiments/evaluations";
import type { Registry } from "../experiments/registry";
import { readManifest } from "../ml/checkpoint";
import { evaluationReport } from "../ml/evaluationReport";
import { ProgressThrottle } from "../progressThrottle";
import type { DatasetSplit } from "../vocabulary";
import type { ImageClassifier } from "./modelServing";

/** What `evaluateModel` accepts; null or absent fields take their defaults. */
export interface EvaluateModelRequest {
  /** Alias name or run id (default `production`). */
  model?: string | null;
  datasetId: string;
  /** Default TEST. */
  split?: DatasetSplit | null;
}

/** An evaluation that has started: its record at once, and its end. */
export interface EvaluationStart {
  evaluation: Evaluation;
  /** Resolves with the SUCCEEDED or FAILED record; never rejects. */
  finished: Promise<Evaluation>;
}

/** How an evaluation runs. */
export interface ModelEvaluatorOptions {
  /** Images in flight through the Classifier at once (it batches them); default 8. */
  concurrency?: number;
  /** Least time between two progress writes, ms (default 500). */
  progressIntervalMs?: number;
  logError?: (error: unknown) => void;
}

const DEFAULT_MODEL = "production";

/**
 * `evaluateModel`: scores a model (an alias or a run's best checkpoint) on one split of a READY
 * dataset by classifying every image through the same Classifier as `classifyImage` — decoding,
 * compiled model, no-logo threshold and box included — then stores the scores and each image's
 * answer. The record is returned RUNNING at once; the work goes on in the background.
 */
export class ModelEvaluator {
  private readonly running = new Set<Promise<Evaluation>>();
  private readonly concurrency: number;
  private readonly progressIntervalMs: number;
  private readonly logError: (error: unknown) => void;
  private isInterrupted = false;

  constructor(
    private readonly registry: Registry,
    private readonly classifier: ImageClassifier,
    options: ModelEvaluatorOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 8;
    this.progressIntervalMs = options.progressIntervalMs ?? 500;
    this.logError = options.logError ?? ((error) => console.error("[logolab evaluation]", error));
  }

  /**
   * Validates the request (NOT_FOUND for an unknown model or dataset; BAD_USER_INPUT for a dataset
   * that is not READY or an empty split), records the evaluation and starts it.
   */
  async start(
    request: EvaluateModelRequest,
    onProgress?: (imagesDone: number, imagesTotal: number) => void,
  ): Promise<EvaluationStart> {
    if (this.isInterrupted) throw new Error("the server is stopping; no new evaluations");
    const modelReference = request.model?.trim() || DEFAULT_MODEL;
    const served = await this.registry.modelAliases.resolveForServing(modelReference);
    if (!served) throw new NotFoundError("Model", modelReference);
    const dataset = await this.registry.datasets.get(request.datasetId);
    if (!dataset) throw new NotFoundError("Dataset", request.datasetId);
    if (dataset.status !== "READY") {
      throw new ValidationError(
        `dataset ${dataset.id} is ${dataset.status}; evaluations need a READY dataset`,
        {
          field: "datasetId",
        },
      );
    }
    const split = request.split ?? "TEST";
    const entries = (await readDatasetManifest(dataset.rootPath)).splits[splitNameOf(split)];
    if (entries.length === 0) {
      throw new ValidationError(`the ${split} split of dataset ${dataset.id} has no images`, {
        field: "split",
      });
    }
    const evaluation = await this.registry.evaluations.create({
      runId: served.runId,
      checkpointId: served.checkpoint.id,
      datasetId: dataset.id,
      split,
      modelReference,
      imageCount: entries.length,
    });
    const job = {
      evaluationId: evaluation.id,
      checkpointDir: served.checkpoint.path,
      datasetDir: dataset.rootPath,
      datasetClasses: dataset.classes,
      entries,
    };
    const finished = this.run(job, onProgress);
    this.running.add(finished);
    void finished.finally(() => this.running.delete(finished));
    return { evaluation, finished };
  }

  /** Resolves once no evaluation of this process is running. */
  async whenIdle(): Promise<void> {
    await Promise.all([...this.running]);
  }

  /** Stops every running evaluation after its images in flight (each ends FAILED) and refuses new ones. */
  async interrupt(): Promise<void> {
    this.isInterrupted = true;
    await this.whenIdle();
  }

  private async run(
    job: {
      evaluationId: string;
      checkpointDir: string;
      datasetDir: string;
      datasetClasses: string[];
      entries: ManifestEntry[];
    },
    onProgress?: (imagesDone: number, imagesTotal: number) => void,
  ): Promise<Evaluation> {
    const startedAt = performance.now();
    const { evaluationId, entries } = job;
    try {
      const manifest = await readManifest(job.checkpointDir);
      const throttle = new ProgressThrottle(this.progressIntervalMs);
      let done = 0;
      const predictions = await this.classifyAll(job.checkpointDir, job.datasetDir, entries, () => {
        done++;
        onProgress?.(done, entries.length);
        if (throttle.shouldEmit()) {
          void this.registry.evaluations
            .reportProgress(evaluationId, done / entries.length)
            .catch(this.logError);
        }
      });
      const report = evaluationReport(manifest.labels, job.datasetClasses, predictions);
      return await this.registry.evaluations.complete(evaluationId, {
        accuracy: report.accuracy,
        macroF1: report.macroF1,
        majorityBaselineAccuracy: report.majorityBaselineAccuracy,
        noLogoThreshold: manifest.noLogoThreshold ?? null,
        recognitionPrecision: report.recognition?.precision ?? null,
        recognitionRecall: report.recognition?.recall ?? null,
        perClass: report.perClass,
        confusionMatrix: report.confusionMatrix,
        durationMs: performance.now() - startedAt,
        predictions,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.registry.evaluations.fail(evaluationId, message).catch(this.logError);
      return (await this.registry.evaluations.get(evaluationId))!;
    }
  }

  /** Every image of the split through the Classifier, `concurrency` at a time, in split order. */
  private async classifyAll(
    checkpointDir: string,
    datasetDir: string,
    entries: ManifestEntry[],
    onImage: () => void,
  ): Promise<EvaluationPrediction[]> {
    const predictions: EvaluationPrediction[] = new Array(entries.length);
    let next = 0;
    const lane = async () => {
      while (next < entries.length) {
        if (this.isInterrupted) throw new Error("interrupted: the server stopped");
        const position = next++;
        const entry = entries[position];
        const image = await readFile(path.join(datasetDir, entry.relpath));
        const output = await this.classifier.classify(checkpointDir, image, 1);
        predictions[position] = {
          position,
          file: entry.relpath,
          truth: entry.className,
          predicted: output.label,
          probability: output.probability,
          isCorrect: output.label === entry.className,
          box: output.box,
        };
        onImage();
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, entries.length) }, lane));
    return predictions;
  }
}

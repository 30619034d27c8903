import type { PrismaClient } from "../db/prismaClient";
import type {
  Evaluation as EvaluationRow,
  EvaluationPrediction as EvaluationPredictionRow,
  Prisma,
} from "../generated/prisma/client";
import type { ImageBox } from "../ml/classificationOutput";
import type { ConfusionMatrix } from "../ml/confusionMatrix";
import type { ClassMetrics } from "../ml/evaluate";
import type { DatasetSplit } from "../vocabulary";
import { isId } from "./ids";
import { afterTimestamp } from "./keyset";
import { decodeCursor, pageSize, toPage, type Page, type PageRequest } from "./pagination";
import { asJson } from "./runRecords";

/** A model scored on one split of one dataset, its JSON columns typed. */
export interface Evaluation extends Omit<EvaluationRow, "split" | "perClass" | "confusionMatrix"> {
  split: DatasetSplit;
  /** Per-class precision, recall, F1 and support (empty while RUNNING). */
  perClass: ClassMetrics[];
  /** Null while RUNNING or after a failure. */
  confusionMatrix: ConfusionMatrix | null;
}

/** What the model answered for one image of the split. */
export interface EvaluationPrediction {
  /** Position of the image in the split's manifest order. */
  position: number;
  /** Path of the image inside the managed dataset directory. */
  file: string;
  truth: string;
  predicted: string;
  /** The model's probability of `predicted`. */
  probability: number;
  isCorrect: boolean;
  box: ImageBox | null;
}

/** What starting an evaluation records. */
export interface NewEvaluation {
  runId: string;
  checkpointId: string;
  datasetId: string;
  split: DatasetSplit;
  /** The alias or run id the request named. */
  modelReference: string;
  imageCount: number;
}

/** The outcome of a finished evaluation. */
export interface EvaluationOutcome {
  accuracy: number;
  macroF1: number;
  majorityBaselineAccuracy: number;
  noLogoThreshold: number | null;
  recognitionPrecision: number | null;
  recognitionRecall: number | null;
  perClass: ClassMetrics[];
  confusionMatrix: ConfusionMatrix;
  durationMs: number;
  predictions: EvaluationPrediction[];
}

/** Narrows `evaluations(filter:)`. */
export interface EvaluationFilter {
  runId?: string | null;
  datasetId?: string | null;
}

/** Narrows an evaluation's predictions (the error inspector's confusion cell). */
export interface PredictionFilter {
  truth?: string | null;
  predicted?: string | null;
  /** true: only correct answers; false: only mistakes. */
  isCorrect?: boolean | null;
}

const ORDERING = "evaluations:createdAt:desc";
const PREDICTION_ORDERING = "evaluationPredictions:position:asc";
/** Predictions written per statement (keeps each INSERT well under PostgreSQL's parameter limit). */
const PREDICTION_CHUNK = 1000;

function evaluationOf(row: EvaluationRow): Evaluation {
  const matrix = row.confusionMatrix as unknown as Partial<ConfusionMatrix>;
  return {
    ...row,
    split: row.split as DatasetSplit,
    perClass: row.perClass as unknown as ClassMetrics[],
    confusionMatrix: Array.isArray(matrix.labels) ? (matrix as ConfusionMatrix) : null,
  };
}

function predictionOf(row: EvaluationPredictionRow): EvaluationPrediction {
  const { position, file, truth, predicted, probability } = row;
  const box =
    row.boxX === null || row.boxY === null || row.boxWidth === null || row.boxHeight === null
      ? null
      : { x: row.boxX, y: row.boxY, width: row.boxWidth, height: row.boxHeight };
  return { position, file, truth, predicted, probability, isCorrect: truth === predicted, box };
}

function evaluationWhere(filter: EvaluationFilter): Prisma.EvaluationWhereInput {
  if ((filter.runId && !isId(filter.runId)) || (filter.datasetId && !isId(filter.datasetId))) {
    return { id: { in: [] } };
  }
  return { runId: filter.runId ?? undefined, datasetId: filter.datasetId ?? undefined };
}

/** Evaluations: models scored on dataset splits through the serving path, with per-image answers. */
export class EvaluationService {
  constructor(private readonly prisma: PrismaClient) {}

  /** Records an evaluation that is starting (RUNNING, progress 0). */
  async create(input: NewEvaluation): Promise<Evaluation> {
    return evaluationOf(await this.prisma.evaluation.create({ data: { ...input, progress: 0 } }));
  }

  /** Records the share of the images classified (0–1). */
  async reportProgress(id: string, progress: number): Promise<void> {
    await this.prisma.evaluation.updateMany({ where: { id, status: "RUNNING" }, data: { progress } });
  }

  /** Stores the scores and every image's answer, and marks the evaluation SUCCEEDED, in one transaction. */
  async complete(id: string, outcome: EvaluationOutcome): Promise<Evaluation> {
    const { predictions, perClass, confusionMatrix, ...scores } = outcome;
    return this.prisma.$transaction(async (tx) => {
      for (let start = 0; start < predictions.length; start += PREDICTION_CHUNK) {
        await tx.evaluationPrediction.createMany({
          data: predictions.slice(start, start + PREDICTION_CHUNK).map((p) => ({
            evaluationId: id,
            position: p.position,
            file: p.file,
            truth: p.truth,
            predicted: p.predicted,
            probability: p.probability,
            boxX: p.box?.x ?? null,
            boxY: p.box?.y ?? null,
            boxWidth: p.box?.width ?? null,
            boxHeight: p.box?.height ?? null,
          })),
        });
      }
      const row = await tx.evaluation.update({
        where: { id },
        data: {
          ...scores,
          durationMs: Math.round(scores.durationMs),
          imageCount: predictions.length,
          perClass: asJson(perClass),
          confusionMatrix: asJson(confusionMatrix),
          status: "SUCCEEDED",
          progress: null,
          finishedAt: new Date(),
        },
      });
      return evaluationOf(row);
    });
  }

  /** Marks a RUNNING evaluation FAILED with its reason. */
  async fail(id: string, error: string): Promise<void> {
    await this.prisma.evaluation.updateMany({
      where: { id, status: "RUNNING" },
      data: { status: "FAILED", progress: null, error, finishedAt: new Date() },
    });
  }

  /**
   * Fails evaluations whose process stopped before finishing (updatedAt older than `staleBefore`);
   * returns how many. Run on start, like abandoned dataset preparations.
   */
  async failAbandoned(staleBefore: Date): Promise<number> {
    const { count } = await this.prisma.evaluation.updateMany({
      where: { status: "RUNNING", updatedAt: { lt: staleBefore } },
      data: { status: "FAILED", progress: null, error: "interrupted: the process evaluating it stopped" },
    });
    return count;
  }

  /** The evaluation with this id, or null. */
  async get(id: string): Promise<Evaluation | null> {
    if (!isId(id)) return null;
    const row = await this.prisma.evaluation.findUnique({ where: { id } });
    return row && evaluationOf(row);
  }

  /** Newest first, keyset-paginated. */
  async list(request: PageRequest, filter: EvaluationFilter = {}): Promise<Page<Evaluation>> {
    const limit = pageSize(request.first);
    const after = request.after
      ? afterTimestamp("createdAt", "desc", decodeCursor(ORDERING, request.after))
      : {};
    const rows = await this.prisma.evaluation.findMany({
      where: { AND: [evaluationWhere(filter), after] },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: limit + 1,
    });
    return toPage(
      rows.map(evaluationOf),
      limit,
      ORDERING,
      (e) => ({ value: e.createdAt.toISOString(), id: e.id }),
      !!request.after,
    );
  }

  /** How many evaluations match the filter. */
  async count(filter: EvaluationFilter = {}): Promise<number> {
    return this.prisma.evaluation.count({ where: evaluationWhere(filter) });
  }

  /** The evaluations of each run, newest first (for dataloaders). */
  async ofRuns(runIds: readonly string[]): Promise<Evaluation[][]> {
    const rows = await this.prisma.evaluation.findMany({
      where: { runId: { in: runIds.filter(isId) } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    });
    const byRun = new Map<string, Evaluation[]>();
    for (const row of rows) byRun.set(row.runId, [...(byRun.get(row.runId) ?? []), evaluationOf(row)]);
    return runIds.map((id) => byRun.get(id) ?? []);
  }

  /** One page of an evaluation's answers in split order, optionally one confusion cell's. */
  async predictions(
    evaluationId: string,
    request: PageRequest,
    filter: PredictionFilter = {},
  ): Promise<Page<EvaluationPrediction>> {
    const limit = pageSize(request.first);
    const afterPosition = request.after ? Number(decodeCursor(PREDICTION_ORDERING, request.after).value) : -1;
    const rows = await this.findPredictions(evaluationId, filter, afterPosition, limit + 1);
    return toPage(
      rows,
      limit,
      PREDICTION_ORDERING,
      (p) => ({ value: p.position, id: evaluationId }),
      !!request.after,
    );
  }

  /** How many answers match the filter (for `totalCount`). */
  async countPredictions(evaluationId: string, filter: PredictionFilter = {}): Promise<number> {
    if (!isId(evaluationId)) return 0;
    const [{ count }] = await this.prisma.$queryRaw<{ count: bigint }[]>`
      SELECT count(*) AS count FROM evaluation_predictions
      WHERE evaluation_id = ${evaluationId}::uuid
        AND (${filter.truth ?? null}::text IS NULL OR truth = ${filter.truth ?? null})
        AND (${filter.predicted ?? null}::text IS NULL OR predicted = ${filter.predicted ?? null})
        AND (${filter.isCorrect ?? null}::boolean IS NULL OR (truth = predicted) = ${filter.isCorrect ?? null})`;
    return Number(count);
  }

  private async findPredictions(
    evaluationId: string,
    filter: PredictionFilter,
    afterPosition: number,
    take: number,
  ): Promise<EvaluationPrediction[]> {
    if (!isId(evaluationId)) return [];
    const rows = await this.prisma.$queryRaw<EvaluationPredictionRow[]>`
      SELECT evaluation_id AS "evaluationId", position, file, truth, predicted, probability,
             box_x AS "boxX", box_y AS "boxY", box_width AS "boxWidth", box_height AS "boxHeight"
      FROM evaluation_predictions
      WHERE evaluation_id = ${evaluationId}::uuid AND position > ${afterPosition}
        AND (${filter.truth ?? null}::text IS NULL OR truth = ${filter.truth ?? null})
        AND (${filter.predicted ?? null}::text IS NULL OR predicted = ${filter.predicted ?? null})
        AND (${filter.isCorrect ?? null}::boolean IS NULL OR (truth = predicted) = ${filter.isCorrect ?? null})
      ORDER BY position
      LIMIT ${take}`;
    return rows.map(predictionOf);
  }
}

import { Field, Float, ID, InputType, Int, ObjectType } from "type-graphql";
import { Box } from "./classification";
import { Connection } from "./connection";
import { Dataset } from "./dataset";
import { DatasetSplit, EvaluationStatus } from "./enums";
import { Checkpoint, ClassMetric, ConfusionMatrix, Run } from "./run";

@ObjectType({ description: "The model an evaluation scored: a run and the checkpoint that answered." })
export class EvaluatedModel {
  @Field(() => Run, { description: "The run whose checkpoint was evaluated." })
  run!: Run;

  @Field(() => Checkpoint, { description: "The checkpoint (the run's best epoch when evaluated)." })
  checkpoint!: Checkpoint;

  @Field(() => String, { description: "What the request named: an alias (e.g. production) or the run id." })
  reference!: string;
}

@ObjectType({ description: "What the model answered for one image of the evaluated split." })
export class EvaluationPrediction {
  @Field(() => Int, { description: "Position of the image in the split (manifest order), from 0." })
  position!: number;

  @Field(() => String, { description: "Path of the image inside the dataset (<split>/<class>/<file>)." })
  file!: string;

  @Field(() => String, { description: "The image's class in the dataset." })
  truth!: string;

  @Field(() => String, { description: "The model's answer, its no-logo threshold applied." })
  predicted!: string;

  @Field(() => Float, { description: "The model's probability of its answer." })
  probability!: number;

  @Field(() => Boolean, { description: "Whether the answer is the image's class." })
  isCorrect!: boolean;

  @Field(() => Box, {
    nullable: true,
    description: "Where the model found the logo, in the image's pixels; null when it does not localize.",
  })
  box!: Box | null;
}

@ObjectType({ description: "A page of an evaluation's per-image answers." })
export class EvaluationPredictionConnection extends Connection(
  EvaluationPrediction,
  "EvaluationPrediction",
) {}

@ObjectType({ description: "FlickrLogos recognition scores (Romberg et al. 2011)." })
export class RecognitionScores {
  @Field(() => Float, { description: "Correct brand answers / images answered with any brand." })
  precision!: number;

  @Field(() => Float, { description: "Correct brand answers / images that show a logo." })
  recall!: number;
}

@ObjectType({
  description:
    "A model scored on one split of one dataset, classifying every image through the same path as classifyImage.",
})
export class Evaluation {
  @Field(() => ID, { description: "Evaluation id." })
  id!: string;

  @Field(() => EvaluationStatus, {
    description: "RUNNING while images are classified, then SUCCEEDED or FAILED.",
  })
  status!: EvaluationStatus;

  @Field(() => Float, { nullable: true, description: "Share of the images classified (0–1) while RUNNING." })
  progress!: number | null;

  @Field(() => String, { nullable: true, description: "Why the evaluation failed." })
  error!: string | null;

  @Field(() => EvaluatedModel, { description: "The run and checkpoint evaluated." })
  model!: EvaluatedModel;

  @Field(() => Dataset, { description: "The dataset evaluated on." })
  dataset!: Dataset;

  @Field(() => DatasetSplit, { description: "The split evaluated on." })
  split!: DatasetSplit;

  @Field(() => Int, { description: "Images in the split." })
  imageCount!: number;

  @Field(() => Float, { nullable: true, description: "Share of images answered with their class." })
  accuracy!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "Mean F1 over the dataset's classes that have images in the split (labels the split cannot contain do not count).",
  })
  macroF1!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "Accuracy of always answering the split's most frequent class: compare every accuracy with it.",
  })
  majorityBaselineAccuracy!: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "The no-logo threshold the checkpoint applies (chosen on validation data); null when it has none.",
  })
  noLogoThreshold!: number | null;

  @Field(() => RecognitionScores, {
    nullable: true,
    description:
      "FlickrLogos recognition precision and recall; null without a no-logo class or while RUNNING.",
  })
  recognition!: RecognitionScores | null;

  @Field(() => [ClassMetric], {
    description:
      "Precision, recall, F1 and support per label (the model's labels and the dataset's classes).",
  })
  perClass!: ClassMetric[];

  @Field(() => ConfusionMatrix, { nullable: true, description: "Counts of (true, answered) label pairs." })
  confusionMatrix!: ConfusionMatrix | null;

  @Field(() => EvaluationPredictionConnection, {
    description:
      "Per-image answers in split order; filter by truth and answer for one confusion-matrix cell.",
  })
  predictions!: EvaluationPredictionConnection;

  @Field(() => Int, { nullable: true, description: "Wall time of the evaluation in milliseconds." })
  durationMs!: number | null;

  @Field(() => Date, { description: "When it started." })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: "When it succeeded or failed." })
  finishedAt!: Date | null;
}

@ObjectType({ description: "A page of evaluations." })
export class EvaluationConnection extends Connection(Evaluation, "Evaluation") {}

@InputType({ description: "Which model to score on which dataset split." })
export class EvaluateModelInput {
  @Field(() => String, {
    nullable: true,
    description: 'Model alias (default "production") or a run id (its best checkpoint).',
  })
  model?: string | null;

  @Field(() => ID, { description: "A READY dataset; classes are matched to the model's labels by name." })
  datasetId!: string;

  @Field(() => DatasetSplit, { nullable: true, description: "Split to score (default TEST)." })
  split?: DatasetSplit | null;
}

@InputType({ description: "Narrows the evaluations list; all given conditions must hold." })
export class EvaluationFilter {
  @Field(() => ID, { nullable: true, description: "Only evaluations of this run's checkpoints." })
  runId?: string | null;

  @Field(() => ID, { nullable: true, description: "Only evaluations on this dataset." })
  datasetId?: string | null;
}

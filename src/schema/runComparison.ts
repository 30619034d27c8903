import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { Dataset } from "./dataset";
import { DatasetSplit, EpochMetricName } from "./enums";
import { Evaluation } from "./evaluation";
import { ClassMetric, ConfusionMatrix, EpochMetric, Run } from "./run";

@ObjectType({ description: "A hyperparameter whose value differs between compared runs." })
export class HyperparameterDifference {
  @Field(() => String, { description: "Hyperparameter name." })
  name!: string;

  @Field(() => [String], {
    description: "Its value in each compared run (JSON text), in the order of `runs`.",
  })
  values!: string[];
}

@ObjectType({ description: "A hyperparameter every compared run has with the same value." })
export class SharedHyperparameter {
  @Field(() => String, { description: "Hyperparameter name." })
  name!: string;

  @Field(() => String, { description: "The value (JSON text)." })
  value!: string;
}

@ObjectType({ description: "Consecutive epochs from…to (inclusive): one bucket, the same for every run." })
export class EpochRange {
  @Field(() => Int, { description: "First epoch of the bucket." })
  from!: number;

  @Field(() => Int, { description: "Last epoch of the bucket." })
  to!: number;
}

@ObjectType({
  description:
    "One bucket of a downsampled series: its minimum and maximum (and their epochs) survive, so a spike inside the bucket shows.",
})
export class SeriesPoint {
  @Field(() => Int, { description: "First epoch of the bucket." })
  from!: number;

  @Field(() => Int, { description: "Last epoch of the bucket." })
  to!: number;

  @Field(() => Int, { description: "Epochs of the run in the bucket with a value." })
  count!: number;

  @Field(() => Float, { description: "Smallest value in the bucket." })
  min!: number;

  @Field(() => Int, { description: "Epoch of the smallest value." })
  minEpoch!: number;

  @Field(() => Float, { description: "Largest value in the bucket." })
  max!: number;

  @Field(() => Int, { description: "Epoch of the largest value." })
  maxEpoch!: number;

  @Field(() => Float, { description: "Mean of the bucket's values." })
  mean!: number;

  @Field(() => Float, { description: "Value at the run's last epoch in the bucket." })
  last!: number;

  @Field(() => Int, { description: "That last epoch." })
  lastEpoch!: number;
}

@ObjectType({ description: "One run's series of one metric, aligned by epoch and downsampled server-side." })
export class MetricSeries {
  @Field(() => ID, { description: "The run." })
  runId!: string;

  @Field(() => EpochMetricName, { description: "The metric." })
  metric!: EpochMetricName;

  @Field(() => [SeriesPoint], { description: "Buckets where the run has values, in epoch order." })
  points!: SeriesPoint[];
}

@ObjectType({ description: "A run's best epoch (null while it has none)." })
export class RunBestEpoch {
  @Field(() => ID, { description: "The run." })
  runId!: string;

  @Field(() => EpochMetric, { nullable: true, description: "Metrics of its best epoch." })
  epoch!: EpochMetric | null;
}

@ObjectType({ description: "One run's metrics of one class, and their differences from the reference run." })
export class ClassMetricComparison {
  @Field(() => ID, { description: "The run." })
  runId!: string;

  @Field(() => ClassMetric, {
    nullable: true,
    description: "The class's metrics at the run's best epoch; null without one or without the class.",
  })
  metrics!: ClassMetric | null;

  @Field(() => Float, {
    nullable: true,
    description: "precision − the reference's (null for the reference).",
  })
  precisionDifference!: number | null;

  @Field(() => Float, { nullable: true, description: "recall − the reference's (null for the reference)." })
  recallDifference!: number | null;

  @Field(() => Float, { nullable: true, description: "F1 − the reference's (null for the reference)." })
  f1Difference!: number | null;
}

@ObjectType({ description: "One class across the compared runs, side by side." })
export class ClassComparison {
  @Field(() => String, { description: "Class label." })
  label!: string;

  @Field(() => [ClassMetricComparison], { description: "Each run's metrics, in the order of `runs`." })
  runs!: ClassMetricComparison[];
}

@ObjectType({ description: "A run's validation confusion matrix at its best epoch." })
export class RunConfusionMatrix {
  @Field(() => ID, { description: "The run." })
  runId!: string;

  @Field(() => Int, { description: "Its best epoch." })
  epoch!: number;

  @Field(() => ConfusionMatrix, { description: "The matrix." })
  matrix!: ConfusionMatrix;
}

@ObjectType({
  description:
    "A run's best-epoch confusion matrix minus the reference run's, over the union of their labels (a missing label counts 0).",
})
export class ConfusionMatrixDifference {
  @Field(() => ID, { description: "The run." })
  runId!: string;

  @Field(() => ID, { description: "The reference run subtracted." })
  referenceRunId!: string;

  @Field(() => ConfusionMatrix, { description: "Counts of the run − counts of the reference." })
  matrix!: ConfusionMatrix;
}

@ObjectType({ description: "One run's latest finished evaluation on a dataset split." })
export class ComparedEvaluation {
  @Field(() => ID, { description: "The run." })
  runId!: string;

  @Field(() => Evaluation, {
    nullable: true,
    description: "Its latest SUCCEEDED evaluation there; null if none.",
  })
  evaluation!: Evaluation | null;

  @Field(() => Float, { nullable: true, description: "accuracy − the reference's (null for the reference)." })
  accuracyDifference!: number | null;

  @Field(() => Float, { nullable: true, description: "macro-F1 − the reference's (null for the reference)." })
  macroF1Difference!: number | null;
}

@ObjectType({ description: "The compared runs' evaluations on one split of one dataset, side by side." })
export class EvaluationComparison {
  @Field(() => ID, { description: "The evaluated dataset's id." })
  datasetId!: string;

  @Field(() => Dataset, { nullable: true, description: "The evaluated dataset." })
  dataset!: Dataset | null;

  @Field(() => DatasetSplit, { description: "The evaluated split." })
  split!: DatasetSplit;

  @Field(() => [ComparedEvaluation], { description: "Each run's evaluation, in the order of `runs`." })
  runs!: ComparedEvaluation[];
}

@ObjectType({
  description:
    "Runs side by side: settings, curves, best epochs, per-class metrics, confusions, evaluations.",
})
export class RunComparison {
  @Field(() => [Run], { description: "The compared runs, in the order asked (duplicates dropped)." })
  runs!: Run[];

  @Field(() => ID, { description: "The run differences are taken from (referenceId, default the first)." })
  referenceRunId!: string;

  @Field(() => ID, {
    nullable: true,
    description:
      "Run with the highest best validation macro-F1 (ties: accuracy, then order), if any has epochs.",
  })
  bestRunId!: string | null;

  @Field(() => [HyperparameterDifference], { description: "Hyperparameters that differ between the runs." })
  differences!: HyperparameterDifference[];

  @Field(() => [SharedHyperparameter], { description: "Hyperparameters all runs share." })
  shared!: SharedHyperparameter[];

  @Field(() => [EpochRange], { description: "The epoch buckets every series uses (at most `samples`)." })
  buckets!: EpochRange[];

  @Field(() => [MetricSeries], { description: "Each run's series of each metric, aligned by epoch." })
  series!: MetricSeries[];

  @Field(() => [RunBestEpoch], { description: "Each run's best epoch, in the order of `runs`." })
  bestEpochs!: RunBestEpoch[];

  @Field(() => [ClassComparison], { description: "Per-class P/R/F1 of the best epochs with differences." })
  perClass!: ClassComparison[];

  @Field(() => [RunConfusionMatrix], {
    description: "Each run's best-epoch confusion matrix (runs with one).",
  })
  confusionMatrices!: RunConfusionMatrix[];

  @Field(() => [ConfusionMatrixDifference], {
    description:
      "Each other run's best-epoch matrix minus the reference's (empty when the reference has none).",
  })
  confusionDifferences!: ConfusionMatrixDifference[];

  @Field(() => [EvaluationComparison], {
    description: "The runs' latest finished evaluations (evaluateModel), per dataset split, side by side.",
  })
  evaluations!: EvaluationComparison[];
}

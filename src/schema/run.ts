import { Field, Float, ID, InputType, Int, ObjectType } from "type-graphql";
import { Connection } from "./connection";
import {
  Architecture,
  Augmentation,
  LossWeighting,
  Optimizer,
  RunEventKind,
  RunStatus,
  TrainingPhase,
} from "./enums";
import { Experiment } from "./experiment";
import { TrainableLayersScalar, type TrainableLayersValue } from "./scalars";

@ObjectType({ description: "Everything that defines how a run trains. Defaults reproduce the article." })
export class Hyperparameters {
  @Field(() => Architecture, { description: "Model family." })
  architecture!: Architecture;

  @Field(() => Boolean, { description: "Whether the backbone starts from pretrained weights." })
  pretrained!: boolean;

  @Field(() => TrainableLayersScalar, { description: '"HEAD", "ALL", or a count of top layers that train.' })
  trainableLayers!: TrainableLayersValue;

  @Field(() => Int, { description: "Square input size in pixels." })
  imageSize!: number;

  @Field(() => Int, { description: "Images per gradient step." })
  batchSize!: number;

  @Field(() => Int, { description: "Passes over the training split." })
  epochs!: number;

  @Field(() => Optimizer, { description: "Optimizer." })
  optimizer!: Optimizer;

  @Field(() => Float, { description: "Step size." })
  learningRate!: number;

  @Field(() => Float, { description: "L2 weight decay coefficient." })
  weightDecay!: number;

  @Field(() => [Augmentation], { description: "Training-time augmentations." })
  augmentations!: Augmentation[];

  @Field(() => LossWeighting, { description: "Per-class loss weighting." })
  lossWeighting!: LossWeighting;

  @Field(() => [Float], {
    nullable: true,
    description: "Weight per class (CUSTOM weighting), in dataset class order.",
  })
  classWeights!: number[] | null;

  @Field(() => Float, { description: "β of the effective-number weighting (EFFECTIVE_NUMBER only)." })
  effectiveNumberBeta!: number;

  @Field(() => Int, { description: "Random seed for initialisation, shuffling and augmentation." })
  seed!: number;
}

@InputType({ description: "Hyperparameters of a new run; omitted fields take the article's defaults." })
export class HyperparametersInput {
  @Field(() => Architecture, { nullable: true, description: "Model family (default ALEXNET_LITE)." })
  architecture?: Architecture | null;

  @Field(() => Boolean, { nullable: true, description: "Start from pretrained weights (default false)." })
  pretrained?: boolean | null;

  @Field(() => TrainableLayersScalar, {
    nullable: true,
    description:
      '"HEAD", "ALL" (default) or a count of top layers. LOCALIZER: 4 (default: the backbone\'s block 12 and block 13\'s expansion fine-tuned in the second half of the epochs) or "HEAD" (frozen backbone).',
  })
  trainableLayers?: TrainableLayersValue | null;

  @Field(() => Int, { nullable: true, description: "Square input size in pixels." })
  imageSize?: number | null;

  @Field(() => Int, { nullable: true, description: "Images per step (default 40)." })
  batchSize?: number | null;

  @Field(() => Int, { nullable: true, description: "Epochs (default 20)." })
  epochs?: number | null;

  @Field(() => Optimizer, { nullable: true, description: "Optimizer (default SGD)." })
  optimizer?: Optimizer | null;

  @Field(() => Float, { nullable: true, description: "Learning rate (default 0.01)." })
  learningRate?: number | null;

  @Field(() => Float, { nullable: true, description: "Weight decay (default 0.001)." })
  weightDecay?: number | null;

  @Field(() => [Augmentation], {
    nullable: true,
    description: "Augmentations (default HORIZONTAL_FLIP, RANDOM_CROP).",
  })
  augmentations?: Augmentation[] | null;

  @Field(() => LossWeighting, { nullable: true, description: "Loss weighting (default NONE)." })
  lossWeighting?: LossWeighting | null;

  @Field(() => [Float], {
    nullable: true,
    description: "Per-class weights for CUSTOM, one per dataset class.",
  })
  classWeights?: number[] | null;

  @Field(() => Float, { nullable: true, description: "β for EFFECTIVE_NUMBER (default 0.999)." })
  effectiveNumberBeta?: number | null;

  @Field(() => Int, { nullable: true, description: "Random seed (default 42)." })
  seed?: number | null;
}

@ObjectType({ description: "Precision, recall and F1 of one class." })
export class ClassMetric {
  @Field(() => String, { description: "Class label." })
  label!: string;

  @Field(() => Float, { description: "Correct predictions of this class / all predictions of it." })
  precision!: number;

  @Field(() => Float, { description: "Correct predictions of this class / its images." })
  recall!: number;

  @Field(() => Float, { description: "Harmonic mean of precision and recall." })
  f1!: number;

  @Field(() => Int, { description: "Images of this class." })
  support!: number;
}

@ObjectType({ description: "Confusion matrix: counts[i][j] = images of labels[i] predicted as labels[j]." })
export class ConfusionMatrix {
  @Field(() => [String], { description: "Row and column labels." })
  labels!: string[];

  @Field(() => [[Int]], { description: "Counts, rows = true class, columns = predicted class." })
  counts!: number[][];
}

@ObjectType({ description: "Metrics of a run after one epoch, as committed to the database." })
export class EpochMetric {
  @Field(() => Int, { description: "Epoch number, from 1." })
  epoch!: number;

  @Field(() => Float, { description: "Mean training loss over the epoch." })
  loss!: number;

  @Field(() => Float, { description: "Accuracy on the training split." })
  trainAccuracy!: number;

  @Field(() => Float, { description: "Accuracy on the validation split." })
  valAccuracy!: number;

  @Field(() => Float, { nullable: true, description: "Accuracy on the test split, when evaluated." })
  testAccuracy!: number | null;

  @Field(() => Float, { description: "Macro-averaged F1 on the validation split." })
  valMacroF1!: number;

  @Field(() => Float, { description: "Validation accuracy of always predicting the most frequent class." })
  majorityBaselineAccuracy!: number;

  @Field(() => Int, { description: "Wall time of the epoch in milliseconds." })
  durationMs!: number;

  @Field(() => [ClassMetric], { description: "Per-class validation metrics." })
  perClass!: ClassMetric[];

  @Field(() => ConfusionMatrix, { description: "Validation confusion matrix." })
  confusionMatrix!: ConfusionMatrix;

  @Field(() => Date, { description: "When the metrics were committed." })
  createdAt!: Date;
}

@ObjectType({ description: "A saved model of a run at one epoch." })
export class Checkpoint {
  @Field(() => ID, { description: "Checkpoint id." })
  id!: string;

  @Field(() => Int, { description: "Epoch it was saved after." })
  epoch!: number;

  @Field(() => Float, { description: "Size of its files in bytes." })
  bytes!: number;

  @Field(() => String, { description: "sha256 of its weights." })
  sha256!: string;

  @Field(() => Date, { description: "When it was saved." })
  createdAt!: Date;
}

@ObjectType({ description: "One training of one model with one set of hyperparameters." })
export class Run {
  @Field(() => ID, { description: "Run id." })
  id!: string;

  @Field(() => Experiment, { description: "Experiment the run belongs to." })
  experiment!: Experiment;

  @Field(() => RunStatus, { description: "Lifecycle state." })
  status!: RunStatus;

  @Field(() => Hyperparameters, { description: "How it trains, defaults filled in." })
  hyperparameters!: Hyperparameters;

  @Field(() => String, { nullable: true, description: "TensorFlow.js backend it trained on, once started." })
  mlBackend!: string | null;

  @Field(() => [EpochMetric], { description: "Committed metrics, one per finished epoch, ascending." })
  epochs!: EpochMetric[];

  @Field(() => Int, {
    nullable: true,
    description: "Epoch with the best validation macro-F1 (ties: accuracy).",
  })
  bestEpoch!: number | null;

  @Field(() => Float, { nullable: true, description: "Validation macro-F1 of the best epoch." })
  bestValMacroF1!: number | null;

  @Field(() => Float, { nullable: true, description: "Validation accuracy of the best epoch." })
  bestValAccuracy!: number | null;

  @Field(() => [String], { description: "Labels for finding the run (tagRun)." })
  tags!: string[];

  @Field(() => String, { description: "Free text kept with the run (setRunNote); empty when none." })
  note!: string;

  @Field(() => EpochMetric, { nullable: true, description: "Metrics of the best epoch." })
  bestEpochMetric!: EpochMetric | null;

  @Field(() => Checkpoint, { nullable: true, description: "Checkpoint of the best epoch." })
  bestCheckpoint!: Checkpoint | null;

  @Field(() => String, { nullable: true, description: "Why the run failed." })
  error!: string | null;

  @Field(() => Int, {
    nullable: true,
    description: "Epoch the run resumed from after a worker crash, if it did.",
  })
  resumedFromEpoch!: number | null;

  @Field(() => Int, { description: "How many times a worker has started it." })
  attempt!: number;

  @Field(() => Date, { description: "When it was queued." })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: "When a worker first started it." })
  startedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: "When it succeeded, failed or was cancelled." })
  finishedAt!: Date | null;

  @Field(() => Date, { description: "When its record last changed." })
  updatedAt!: Date;
}

@ObjectType({ description: "A page of runs." })
export class RunConnection extends Connection(Run, "Run") {}

@InputType({ description: "A new run of an experiment." })
export class StartRunInput {
  @Field(() => ID, { description: "Experiment the run belongs to (its dataset must be READY)." })
  experimentId!: string;

  @Field(() => HyperparametersInput, {
    nullable: true,
    description: "Hyperparameters; omitted ones take the article's defaults.",
  })
  hyperparameters?: HyperparametersInput | null;
}

@ObjectType({
  description: "Training progress within an epoch (published at most 4 times a second, not stored).",
})
export class BatchProgress {
  @Field(() => TrainingPhase, {
    description: "What the run is doing: embedding images with a frozen backbone, or training.",
  })
  phase!: TrainingPhase;

  @Field(() => Int, { description: "Epoch in progress, from 1 (EMBEDDING: the first epoch to train)." })
  epoch!: number;

  @Field(() => Int, {
    description: "Batch just finished, from 1 (EMBEDDING: counted over the whole embedding).",
  })
  batch!: number;

  @Field(() => Int, { description: "Batches in the epoch (EMBEDDING: in the whole embedding)." })
  batchCount!: number;

  @Field(() => Int, {
    description:
      "Images done in this epoch (EMBEDDING: images embedded, over every split and augmented view).",
  })
  imagesDone!: number;

  @Field(() => Int, { description: "Images in the epoch (EMBEDDING: images to embed)." })
  imagesTotal!: number;

  @Field(() => Float, {
    description: "Throughput of the epoch (or of the embedding) so far, images per second.",
  })
  imagesPerSecond!: number;

  @Field(() => Float, {
    nullable: true,
    description:
      "Estimated seconds until the run's last epoch ends (null while EMBEDDING: epoch speed not known yet).",
  })
  etaSeconds!: number | null;

  @Field(() => Float, { nullable: true, description: "Loss of the batch (null while EMBEDDING)." })
  loss!: number | null;
}

@ObjectType({ description: "One event of a run's progress stream." })
export class RunEvent {
  @Field(() => RunEventKind, { description: "What happened." })
  kind!: RunEventKind;

  @Field(() => ID, { description: "The run." })
  runId!: string;

  @Field(() => Run, { description: "The run as stored now." })
  run!: Run;

  @Field(() => RunStatus, { nullable: true, description: "New status (SNAPSHOT and STATUS events)." })
  status!: RunStatus | null;

  @Field(() => EpochMetric, {
    nullable: true,
    description: "The committed epoch (EPOCH events; SNAPSHOT: the latest committed epoch, if any).",
  })
  epoch!: EpochMetric | null;

  @Field(() => BatchProgress, { nullable: true, description: "Batch progress (PROGRESS events)." })
  progress!: BatchProgress | null;

  @Field(() => Date, { description: "When it happened." })
  at!: Date;
}

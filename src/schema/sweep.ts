import { Field, Float, ID, InputType, Int, ObjectType } from "type-graphql";
import { Connection } from "./connection";
import {
  Architecture,
  Augmentation,
  LossWeighting,
  Optimizer,
  RangeScale,
  SweepStatus,
  SweepStrategy,
} from "./enums";
import { Experiment } from "./experiment";
import { HyperparametersInput, Run } from "./run";
import { TrainableLayersScalar, type TrainableLayersValue } from "./scalars";

@InputType({ description: "Bounds a RANDOM sweep draws a number between." })
export class FloatRangeInput {
  @Field(() => Float, { description: "Smallest value." })
  min!: number;

  @Field(() => Float, { description: "Largest value." })
  max!: number;

  @Field(() => RangeScale, { nullable: true, description: "LINEAR (default) or LOG (needs min > 0)." })
  scale?: RangeScale | null;
}

@InputType({
  description:
    "A hyperparameter space: values to try per hyperparameter (GRID: every combination; RANDOM: drawn from) and, for RANDOM, ranges. Hyperparameters not listed take StartSweepInput.hyperparameters, then the article's defaults; MOBILENET_V2 points get pretrained and HEAD unless those are set.",
})
export class SweepSpaceInput {
  @Field(() => [Architecture], { nullable: true, description: "Model families to try." })
  architecture?: Architecture[] | null;

  @Field(() => [Boolean], { nullable: true, description: "Pretrained or not." })
  pretrained?: boolean[] | null;

  @Field(() => [TrainableLayersScalar], { nullable: true, description: "Trainable layers to try." })
  trainableLayers?: TrainableLayersValue[] | null;

  @Field(() => [Int], { nullable: true, description: "Input sizes to try." })
  imageSize?: number[] | null;

  @Field(() => [Int], { nullable: true, description: "Batch sizes to try." })
  batchSize?: number[] | null;

  @Field(() => [Int], { nullable: true, description: "Epoch counts to try." })
  epochs?: number[] | null;

  @Field(() => [Optimizer], { nullable: true, description: "Optimizers to try." })
  optimizer?: Optimizer[] | null;

  @Field(() => [Float], { nullable: true, description: "Learning rates to try." })
  learningRate?: number[] | null;

  @Field(() => FloatRangeInput, {
    nullable: true,
    description: "RANDOM: learning rates drawn from this range.",
  })
  learningRateRange?: FloatRangeInput | null;

  @Field(() => [Float], { nullable: true, description: "Weight decays to try." })
  weightDecay?: number[] | null;

  @Field(() => FloatRangeInput, {
    nullable: true,
    description: "RANDOM: weight decays drawn from this range.",
  })
  weightDecayRange?: FloatRangeInput | null;

  @Field(() => [[Augmentation]], {
    nullable: true,
    description: "Sets of augmentations to try (each a list).",
  })
  augmentations?: Augmentation[][] | null;

  @Field(() => [LossWeighting], { nullable: true, description: "Loss weightings to try." })
  lossWeighting?: LossWeighting[] | null;

  @Field(() => [Float], { nullable: true, description: "β values of the effective-number weighting to try." })
  effectiveNumberBeta?: number[] | null;

  @Field(() => FloatRangeInput, { nullable: true, description: "RANDOM: β values drawn from this range." })
  effectiveNumberBetaRange?: FloatRangeInput | null;

  @Field(() => [Int], { nullable: true, description: "Training seeds to try." })
  seed?: number[] | null;
}

@InputType({ description: "A sweep: runs over a hyperparameter space, queued at once." })
export class StartSweepInput {
  @Field(() => ID, { description: "Experiment the runs belong to (its dataset must be READY)." })
  experimentId!: string;

  @Field(() => SweepSpaceInput, { description: "What to vary." })
  space!: SweepSpaceInput;

  @Field(() => SweepStrategy, { description: "GRID or RANDOM." })
  strategy!: SweepStrategy;

  @Field(() => Int, {
    nullable: true,
    description:
      "GRID: the most runs allowed (default: the whole grid, up to 1,000); RANDOM: how many points to draw (required, 1–1,000).",
  })
  maxRuns?: number | null;

  @Field(() => Int, { nullable: true, description: "Seed of RANDOM's draws (default 0)." })
  seed?: number | null;

  @Field(() => HyperparametersInput, {
    nullable: true,
    description: "Hyperparameters every run shares; omitted ones take the article's defaults.",
  })
  hyperparameters?: HyperparametersInput | null;
}

@ObjectType({ description: "How many of a sweep's runs are in each state." })
export class RunStatusCounts {
  @Field(() => Int, { name: "queued", description: "Waiting for a worker." })
  QUEUED!: number;

  @Field(() => Int, { name: "running", description: "Training." })
  RUNNING!: number;

  @Field(() => Int, { name: "succeeded", description: "Finished." })
  SUCCEEDED!: number;

  @Field(() => Int, { name: "failed", description: "Failed." })
  FAILED!: number;

  @Field(() => Int, { name: "cancelled", description: "Cancelled." })
  CANCELLED!: number;

  @Field(() => Int, { description: "All runs of the sweep." })
  total!: number;
}

@ObjectType({ description: "One hyperparameter a sweep varies." })
export class SweepDimension {
  @Field(() => String, { description: "Hyperparameter name." })
  name!: string;

  @Field(() => [String], { description: "Values listed (JSON text each); empty for a range." })
  values!: string[];

  @Field(() => Float, { nullable: true, description: "Lower bound of a RANDOM range." })
  min!: number | null;

  @Field(() => Float, { nullable: true, description: "Upper bound of a RANDOM range." })
  max!: number | null;

  @Field(() => RangeScale, { nullable: true, description: "Scale of a RANDOM range." })
  scale!: RangeScale | null;
}

@ObjectType({ description: "Runs queued together over a hyperparameter space." })
export class Sweep {
  @Field(() => ID, { description: "Sweep id." })
  id!: string;

  @Field(() => Experiment, { description: "Experiment its runs belong to." })
  experiment!: Experiment;

  @Field(() => SweepStrategy, { description: "How its points were chosen." })
  strategy!: SweepStrategy;

  @Field(() => [SweepDimension], { description: "What it varies." })
  dimensions!: SweepDimension[];

  @Field(() => String, { description: "Hyperparameters every run shares, as submitted (JSON text)." })
  baseHyperparameters!: string;

  @Field(() => Int, { description: "The most runs it allowed (RANDOM: the draws asked for)." })
  maxRuns!: number;

  @Field(() => Int, { description: "Seed of RANDOM's draws." })
  seed!: number;

  @Field(() => SweepStatus, { description: "Derived from its runs; CANCELLED once cancelled." })
  status!: SweepStatus;

  @Field(() => RunStatusCounts, { description: "Its runs per state." })
  runCounts!: RunStatusCounts;

  @Field(() => Run, {
    nullable: true,
    description: "Its run with the highest best validation macro-F1 (ties: id), once one has an epoch.",
  })
  bestRun!: Run | null;

  @Field(() => Date, { nullable: true, description: "When it was cancelled." })
  cancelledAt!: Date | null;

  @Field(() => Date, { description: "When it was started." })
  createdAt!: Date;
}

@ObjectType({ description: "A page of sweeps." })
export class SweepConnection extends Connection(Sweep, "Sweep") {}

@InputType({ description: "Narrows the sweeps list." })
export class SweepFilter {
  @Field(() => ID, { nullable: true, description: "Only sweeps of this experiment." })
  experimentId?: string | null;
}

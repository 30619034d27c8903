import { Field, Float, ID, InputType, Int, type ClassType } from "type-graphql";
import { Architecture, Augmentation, LossWeighting, Optimizer, RunStatus } from "./enums";
import { TrainableLayersScalar, type TrainableLayersValue } from "./scalars";

/**
 * `runs(filter:)`: conditions per field, grouped with `and` / `or` / `not`. The same filter as the
 * query language of `runs(query:)`; `ne`, `notIn`, `notContains`, `lacks` and `hasNone` are the
 * negations of `eq`, `in`, `contains`, `has` and `hasAny`, so a run without a value passes them.
 */

type TypeFunction = () => object;

/** `eq`, `ne`, `in`, `notIn`, `isNull` over values of `type`. */
function ValueCondition<T>(type: TypeFunction, name: string, what: string) {
  // Named and decorated so the subclasses inherit its fields; emitted only if referenced (never).
  @InputType(name)
  class ValueConditionInput {
    @Field(type, { nullable: true, description: `Equal to this ${what}.` })
    eq?: T | null;

    @Field(type, { nullable: true, description: `Not equal to this ${what} (runs without a value pass).` })
    ne?: T | null;

    @Field(() => [type()], {
      nullable: true,
      description: `Equal to one of these (an empty list matches no run).`,
    })
    in?: T[] | null;

    @Field(() => [type()], { nullable: true, description: `Equal to none of these.` })
    notIn?: T[] | null;

    @Field(() => Boolean, { nullable: true, description: "true: the run has no value; false: it has one." })
    isNull?: boolean | null;
  }
  return ValueConditionInput as ClassType<ValueConditionInput>;
}

/** A value condition plus `lt`, `lte`, `gt`, `gte`. */
function RangeCondition<T>(type: TypeFunction, name: string, what: string) {
  @InputType(name)
  class RangeConditionInput extends ValueCondition<T>(type, `${name}Values`, what) {
    @Field(type, { nullable: true, description: `Less than this ${what}.` })
    lt?: T | null;

    @Field(type, { nullable: true, description: `Less than or equal to this ${what}.` })
    lte?: T | null;

    @Field(type, { nullable: true, description: `Greater than this ${what}.` })
    gt?: T | null;

    @Field(type, { nullable: true, description: `Greater than or equal to this ${what}.` })
    gte?: T | null;
  }
  return RangeConditionInput;
}

/** `has`, `lacks`, `hasAny`, `hasAll`, `hasNone`, `isEmpty` over a list of `type`. */
function ListCondition<T>(type: TypeFunction, name: string, what: string) {
  @InputType(name)
  class ListConditionInput {
    @Field(type, { nullable: true, description: `Includes this ${what}.` })
    has?: T | null;

    @Field(type, { nullable: true, description: `Does not include this ${what}.` })
    lacks?: T | null;

    @Field(() => [type()], { nullable: true, description: `Includes at least one of these.` })
    hasAny?: T[] | null;

    @Field(() => [type()], { nullable: true, description: `Includes every one of these.` })
    hasAll?: T[] | null;

    @Field(() => [type()], { nullable: true, description: `Includes none of these.` })
    hasNone?: T[] | null;

    @Field(() => Boolean, { nullable: true, description: "true: the list is empty; false: it is not." })
    isEmpty?: boolean | null;
  }
  return ListConditionInput;
}

@InputType({ description: "Conditions on an integer; all given ones must hold." })
export class IntCondition extends RangeCondition<number>(() => Int, "IntConditionBase", "integer") {}

@InputType({ description: "Conditions on a number; all given ones must hold." })
export class FloatCondition extends RangeCondition<number>(() => Float, "FloatConditionBase", "number") {}

@InputType({ description: "Conditions on a time; all given ones must hold." })
export class TimeCondition extends RangeCondition<Date>(() => Date, "TimeConditionBase", "time") {}

@InputType({ description: "Conditions on a boolean." })
export class BooleanCondition extends ValueCondition<boolean>(
  () => Boolean,
  "BooleanConditionBase",
  "value",
) {}

@InputType({ description: "Conditions on a text; all given ones must hold." })
export class TextCondition extends ValueCondition<string>(() => String, "TextConditionBase", "text") {
  @Field(() => String, { nullable: true, description: "Contains this text, case-insensitively." })
  contains?: string | null;

  @Field(() => String, { nullable: true, description: "Does not contain this text (case-insensitively)." })
  notContains?: string | null;
}

@InputType({ description: "Conditions on an architecture." })
export class ArchitectureCondition extends ValueCondition<Architecture>(
  () => Architecture,
  "ArchitectureConditionBase",
  "architecture",
) {}

@InputType({ description: "Conditions on an optimizer." })
export class OptimizerCondition extends ValueCondition<Optimizer>(
  () => Optimizer,
  "OptimizerConditionBase",
  "optimizer",
) {}

@InputType({ description: "Conditions on a loss weighting." })
export class LossWeightingCondition extends ValueCondition<LossWeighting>(
  () => LossWeighting,
  "LossWeightingConditionBase",
  "loss weighting",
) {}

@InputType({ description: "Conditions on a run status." })
export class RunStatusCondition extends ValueCondition<RunStatus>(
  () => RunStatus,
  "RunStatusConditionBase",
  "status",
) {}

@InputType({ description: 'Conditions on trainable layers ("HEAD", "ALL" or a count).' })
export class TrainableLayersCondition extends ValueCondition<TrainableLayersValue>(
  () => TrainableLayersScalar,
  "TrainableLayersConditionBase",
  "setting",
) {}

@InputType({ description: "Conditions on a list of tags; all given ones must hold." })
export class TagCondition extends ListCondition<string>(() => String, "TagConditionBase", "tag") {}

@InputType({ description: "Conditions on the list of augmentations; all given ones must hold." })
export class AugmentationCondition extends ListCondition<Augmentation>(
  () => Augmentation,
  "AugmentationConditionBase",
  "augmentation",
) {}

@InputType({ description: "Conditions on hyperparameters; all given ones must hold." })
export class HyperparameterFilter {
  @Field(() => ArchitectureCondition, { nullable: true, description: "Model family." })
  architecture?: ArchitectureCondition | null;

  @Field(() => BooleanCondition, { nullable: true, description: "Whether the backbone starts pretrained." })
  pretrained?: BooleanCondition | null;

  @Field(() => TrainableLayersCondition, { nullable: true, description: "Which layers train." })
  trainableLayers?: TrainableLayersCondition | null;

  @Field(() => IntCondition, { nullable: true, description: "Input size in pixels." })
  imageSize?: IntCondition | null;

  @Field(() => IntCondition, { nullable: true, description: "Images per step." })
  batchSize?: IntCondition | null;

  @Field(() => IntCondition, { nullable: true, description: "Epochs planned." })
  epochs?: IntCondition | null;

  @Field(() => OptimizerCondition, { nullable: true, description: "Optimizer." })
  optimizer?: OptimizerCondition | null;

  @Field(() => FloatCondition, { nullable: true, description: "Learning rate." })
  learningRate?: FloatCondition | null;

  @Field(() => FloatCondition, { nullable: true, description: "L2 weight decay." })
  weightDecay?: FloatCondition | null;

  @Field(() => AugmentationCondition, { nullable: true, description: "Training-time augmentations." })
  augmentations?: AugmentationCondition | null;

  @Field(() => LossWeightingCondition, { nullable: true, description: "Loss weighting." })
  lossWeighting?: LossWeightingCondition | null;

  @Field(() => FloatCondition, { nullable: true, description: "β of the effective-number weighting." })
  effectiveNumberBeta?: FloatCondition | null;

  @Field(() => IntCondition, { nullable: true, description: "Random seed." })
  seed?: IntCondition | null;
}

@InputType({
  description: "Conditions on the metrics of each run's best epoch (runs without one fail them).",
})
export class BestMetricFilter {
  @Field(() => IntCondition, { nullable: true, description: "The best epoch's number." })
  epoch?: IntCondition | null;

  @Field(() => FloatCondition, { nullable: true, description: "Validation macro-F1." })
  valMacroF1?: FloatCondition | null;

  @Field(() => FloatCondition, { nullable: true, description: "Validation accuracy." })
  valAccuracy?: FloatCondition | null;

  @Field(() => FloatCondition, { nullable: true, description: "Training loss." })
  loss?: FloatCondition | null;

  @Field(() => FloatCondition, { nullable: true, description: "Training accuracy." })
  trainAccuracy?: FloatCondition | null;

  @Field(() => FloatCondition, { nullable: true, description: "Test accuracy." })
  testAccuracy?: FloatCondition | null;

  @Field(() => FloatCondition, { nullable: true, description: "Majority-class baseline accuracy beside it." })
  majorityBaselineAccuracy?: FloatCondition | null;
}

@InputType({
  description:
    "Narrows the runs list; all given conditions must hold. Group with and / or / not; the same language as runs(query:).",
})
export class RunFilter {
  @Field(() => ID, { nullable: true, description: "Only runs of this experiment." })
  experimentId?: string | null;

  @Field(() => [RunStatus], { nullable: true, description: "Only runs in one of these states." })
  statuses?: RunStatus[] | null;

  @Field(() => Architecture, { nullable: true, description: "Only runs of this architecture." })
  architecture?: Architecture | null;

  @Field(() => Boolean, {
    nullable: true,
    description: "Only pretrained (true) or from-scratch (false) runs.",
  })
  pretrained?: boolean | null;

  @Field(() => [ID], { nullable: true, description: "Only these runs." })
  ids?: string[] | null;

  @Field(() => [ID], { nullable: true, description: "Only runs of one of these experiments." })
  experimentIds?: string[] | null;

  @Field(() => TextCondition, { nullable: true, description: "The experiment's name." })
  experimentName?: TextCondition | null;

  @Field(() => TagCondition, { nullable: true, description: "The experiment's tags." })
  experimentTags?: TagCondition | null;

  @Field(() => TextCondition, { nullable: true, description: "The experiment's note." })
  experimentNote?: TextCondition | null;

  @Field(() => ID, { nullable: true, description: "Only runs on this dataset version." })
  datasetId?: string | null;

  @Field(() => [ID], { nullable: true, description: "Only runs on one of these dataset versions." })
  datasetIds?: string[] | null;

  @Field(() => TextCondition, { nullable: true, description: "The dataset's name (any version)." })
  datasetName?: TextCondition | null;

  @Field(() => IntCondition, { nullable: true, description: "The dataset's version." })
  datasetVersion?: IntCondition | null;

  @Field(() => RunStatusCondition, { nullable: true, description: "The run's status." })
  status?: RunStatusCondition | null;

  @Field(() => TagCondition, { nullable: true, description: "The run's tags." })
  tags?: TagCondition | null;

  @Field(() => TextCondition, { nullable: true, description: "The run's note." })
  note?: TextCondition | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Text contained (case-insensitively) in the run's note or tags or its experiment's name, description, note or tags.",
  })
  text?: string | null;

  @Field(() => TextCondition, {
    nullable: true,
    description: "The TensorFlow.js backend the run trained on.",
  })
  mlBackend?: TextCondition | null;

  @Field(() => TextCondition, { nullable: true, description: "Why the run failed." })
  error?: TextCondition | null;

  @Field(() => [ID], { nullable: true, description: "Only runs queued by one of these sweeps." })
  sweepIds?: string[] | null;

  @Field(() => HyperparameterFilter, { nullable: true, description: "Conditions on hyperparameters." })
  hyperparameters?: HyperparameterFilter | null;

  @Field(() => BestMetricFilter, { nullable: true, description: "Conditions on the best epoch's metrics." })
  best?: BestMetricFilter | null;

  @Field(() => TimeCondition, { nullable: true, description: "When the run was queued." })
  createdAt?: TimeCondition | null;

  @Field(() => TimeCondition, { nullable: true, description: "When a worker first started it." })
  startedAt?: TimeCondition | null;

  @Field(() => TimeCondition, { nullable: true, description: "When it ended." })
  finishedAt?: TimeCondition | null;

  @Field(() => [RunFilter], { nullable: true, description: "Every one of these filters holds." })
  and?: RunFilter[] | null;

  @Field(() => [RunFilter], {
    nullable: true,
    description: "At least one of these filters holds (an empty list matches no run).",
  })
  or?: RunFilter[] | null;

  @Field(() => RunFilter, { nullable: true, description: "This filter does not hold." })
  not?: RunFilter | null;
}

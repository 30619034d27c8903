import { Field, ID, InputType, ObjectType } from "type-graphql";
import { Connection } from "./connection";
import { Dataset } from "./dataset";

@ObjectType({ description: "A named comparison over one dataset; it groups the runs that answer it." })
export class Experiment {
  @Field(() => ID, { description: "Experiment id." })
  id!: string;

  @Field(() => String, { description: "Unique name." })
  name!: string;

  @Field(() => String, { description: "Free text: the question this experiment asks." })
  description!: string;

  @Field(() => [String], { description: "Labels for finding experiments (tagExperiment)." })
  tags!: string[];

  @Field(() => String, {
    description: "Free text kept with the experiment (setExperimentNote); empty when none.",
  })
  note!: string;

  @Field(() => Dataset, { description: "The dataset every run of this experiment trains on." })
  dataset!: Dataset;

  @Field(() => Date, { description: "When it was created." })
  createdAt!: Date;

  @Field(() => Date, { description: "When its record last changed." })
  updatedAt!: Date;
}

@ObjectType({ description: "A page of experiments." })
export class ExperimentConnection extends Connection(Experiment, "Experiment") {}

@InputType({ description: "A new experiment." })
export class CreateExperimentInput {
  @Field(() => String, { description: "Unique name, 1–200 characters." })
  name!: string;

  @Field(() => String, { nullable: true, description: "What the experiment compares." })
  description?: string | null;

  @Field(() => ID, { description: "Dataset its runs train on." })
  datasetId!: string;

  @Field(() => [String], { nullable: true, description: "Labels, at most 32." })
  tags?: string[] | null;
}

@InputType({ description: "Narrows the experiments list; all given conditions must hold." })
export class ExperimentFilter {
  @Field(() => ID, { nullable: true, description: "Only experiments on this dataset." })
  datasetId?: string | null;

  @Field(() => String, { nullable: true, description: "Only experiments carrying this tag." })
  tag?: string | null;

  @Field(() => String, { nullable: true, description: "Only names containing this text (case-insensitive)." })
  nameContains?: string | null;

  @Field(() => [String], {
    nullable: true,
    description: "Only experiments carrying every one of these tags.",
  })
  tags?: string[] | null;

  @Field(() => String, { nullable: true, description: "Only notes containing this text (case-insensitive)." })
  noteContains?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Only experiments whose name, description or note contains this text (case-insensitive), or with this tag.",
  })
  text?: string | null;
}

import { Field, ID, InputType, ObjectType } from "type-graphql";
import { Checkpoint, Run } from "./run";

@ObjectType({ description: "One move of an alias." })
export class ModelAliasChange {
  @Field(() => ID, {
    nullable: true,
    description: "Run the alias pointed at before (null when it was created).",
  })
  fromRunId!: string | null;

  @Field(() => ID, { description: "Run it points at after the change." })
  toRunId!: string;

  @Field(() => ID, { nullable: true, description: "API key that made the change." })
  changedByKeyId!: string | null;

  @Field(() => Date, { description: "When." })
  changedAt!: Date;
}

@ObjectType({
  description: 'A stable model name ("production", "staging") pointing at a run\'s best checkpoint.',
})
export class ModelAlias {
  @Field(() => String, { description: "Alias name." })
  name!: string;

  @Field(() => Run, { description: "Run it points at." })
  run!: Run;

  @Field(() => Checkpoint, { description: "Checkpoint it serves." })
  checkpoint!: Checkpoint;

  @Field(() => Date, { description: "When it last moved." })
  updatedAt!: Date;

  @Field(() => [ModelAliasChange], { description: "Every change, newest first." })
  history!: ModelAliasChange[];
}

@InputType({ description: "Points an alias at a run's best checkpoint." })
export class SetModelAliasInput {
  @Field(() => String, { description: 'Alias name, e.g. "production" (a-z, 0-9, ".", "_", "-").' })
  name!: string;

  @Field(() => ID, { description: "Run whose best checkpoint the alias will serve." })
  runId!: string;
}

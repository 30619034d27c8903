import { Field, Float, Int, ObjectType } from "type-graphql";
import { Connection } from "./connection";
import { EpochMetricName } from "./enums";
import { EpochMetric, Run } from "./run";

@ObjectType({ description: "A run's place on a leaderboard." })
export class LeaderboardEntry {
  @Field(() => Int, { description: "1 for the best; equal values share a rank (1, 2, 2, 4)." })
  rank!: number;

  @Field(() => Run, { description: "The run." })
  run!: Run;

  @Field(() => Float, { description: "The metric at the run's best epoch (the checkpoint it serves)." })
  value!: number;

  @Field(() => EpochMetric, { nullable: true, description: "The run's best epoch." })
  bestEpoch!: EpochMetric | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "value − the leaderboard's baseline (for LOSS: null); how far it is above always guessing the majority class.",
  })
  liftOverBaseline!: number | null;
}

@ObjectType({
  description:
    "Runs ranked by a metric of their best epoch, best first, with the majority-class baseline of that metric beside them.",
})
export class Leaderboard extends Connection(LeaderboardEntry, "LeaderboardEntry") {
  @Field(() => EpochMetricName, { description: "What the runs are ranked by." })
  metric!: EpochMetricName;

  @Field(() => Boolean, { description: "Whether higher values rank first (false only for LOSS)." })
  isHigherBetter!: boolean;

  @Field(() => Float, {
    nullable: true,
    description:
      "What always predicting the training split's most frequent class scores on this metric and split (accuracy, or macro-F1 for VAL_MACRO_F1); null for LOSS or a dataset without class counts.",
  })
  baseline!: number | null;

  @Field(() => String, {
    nullable: true,
    description: "The split the metric is measured on: train, val or test.",
  })
  split!: string | null;
}

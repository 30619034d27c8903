import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../api/context";
import {
  classSplitCounts,
  syntheticParametersOf,
  type Dataset as DatasetRecord,
} from "../experiments/datasets";
import {
  ClassCount,
  Dataset,
  DatasetConnection,
  DatasetSource,
  GenerateSyntheticDatasetInput,
  ImportDatasetInput,
  SplitCounts,
  SyntheticParameters,
} from "../schema/dataset";
import { toConnection } from "./connection";

@Resolver(() => Dataset)
export class DatasetResolver {
  @Authorized("VIEWER")
  @Query(() => DatasetConnection, { description: "Registered datasets, newest first." })
  async datasets(
    @Ctx() ctx: Context,
    @Arg("first", () => Int, { nullable: true, description: "Page size, 0–100 (default 20)." })
    first?: number,
    @Arg("after", () => String, { nullable: true, description: "Cursor to continue after." }) after?: string,
  ) {
    const page = await ctx.registry.datasets.list({ first, after });
    return toConnection(page, () => ctx.registry.datasets.count());
  }

  @Authorized("VIEWER")
  @Query(() => Dataset, { nullable: true, description: "One dataset by id; null when none has it." })
  async dataset(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "Dataset id." }) id: string) {
    return ctx.loaders.datasetById.load(id);
  }

  @Authorized("ENGINEER")
  @Mutation(() => Dataset, {
    description:
      "Imports a dataset from the server's disk. Every file is validated first: on any problem nothing is registered and the error lists each problem (extensions.problems). Unchanged data returns the existing dataset; changed data becomes a new version.",
  })
  async importDataset(
    @Ctx() ctx: Context,
    @Arg("input", () => ImportDatasetInput, { description: "What to import." }) input: ImportDatasetInput,
  ) {
    return ctx.services.preparation.import(input);
  }

  @Authorized("ENGINEER")
  @Mutation(() => Dataset, {
    description:
      "Generates a SynthLogos-32 dataset on the server: returns it at once with status GENERATING; it becomes READY (or FAILED with an error) in the background, with progress in between. A READY or still generating dataset with the same name, seed, sizes, randomisation and split recipe is returned instead of generating again.",
  })
  async generateSyntheticDataset(
    @Ctx() ctx: Context,
    @Arg("input", () => GenerateSyntheticDatasetInput, { description: "What to generate." })
    input: GenerateSyntheticDatasetInput,
  ) {
    return ctx.services.preparation.generateSynthetic(input);
  }

  @Authorized("ENGINEER")
  @Mutation(() => Boolean, {
    description:
      "Deletes a dataset no run uses, with its managed copy on disk, its feature caches, the experiments on it (all without runs) and the evaluations made on it. BAD_USER_INPUT while any run uses it, while it is being prepared, or while an evaluation on it runs.",
  })
  async deleteDataset(@Ctx() ctx: Context, @Arg("id", () => ID, { description: "Dataset id." }) id: string) {
    await ctx.services.deletion.deleteDataset(id);
    return true;
  }

  @FieldResolver(() => [DatasetSource], {
    description:
      "Where each brand's artwork comes from, with licences and substitutions (synthetic datasets; empty for imported ones).",
  })
  sources(@Root() dataset: DatasetRecord): DatasetSource[] {
    return (dataset.summary.sources ?? []).map((source) => ({
      ...source,
      alternateMarks: source.alternateMarks ?? [],
    }));
  }

  @FieldResolver(() => SyntheticParameters, {
    nullable: true,
    description: "Generator settings of a synthetic dataset; null for imported ones.",
  })
  synthetic(@Root() dataset: DatasetRecord): SyntheticParameters | null {
    return syntheticParametersOf(dataset);
  }

  @FieldResolver(() => SplitCounts)
  imagesWithBoxes(@Root() dataset: DatasetRecord): SplitCounts {
    return dataset.summary.boxedImageCounts ?? { train: 0, val: 0, test: 0 };
  }

  @FieldResolver(() => [ClassCount], { description: "Images per class and split." })
  classCounts(@Root() dataset: DatasetRecord): ClassCount[] {
    return classSplitCounts(dataset);
  }
}

import { Field, Float, ID, InputType, Int, ObjectType } from "type-graphql";
import { Connection } from "./connection";
import { DatasetFormat, DatasetImportFormat, DatasetStatus, SplitRecipe } from "./enums";

@ObjectType({ description: "Images of one class in each split." })
export class ClassCount {
  @Field(() => String, { description: "Class label." })
  label!: string;

  @Field(() => Int, { description: "Training images." })
  train!: number;

  @Field(() => Int, { description: "Validation images." })
  val!: number;

  @Field(() => Int, { description: "Test images." })
  test!: number;
}

@ObjectType({ description: "Image counts per split." })
export class SplitCounts {
  @Field(() => Int, { description: "Training images." })
  train!: number;

  @Field(() => Int, { description: "Validation images." })
  val!: number;

  @Field(() => Int, { description: "Test images." })
  test!: number;
}

@ObjectType({
  description: "An image collection with fixed train/val/test splits; a changed tree is a new version.",
})
export class Dataset {
  @Field(() => ID, { description: "Dataset id." })
  id!: string;

  @Field(() => String, { description: "Dataset name, shared by its versions." })
  name!: string;

  @Field(() => Int, { description: "Version number within the name, from 1." })
  version!: number;

  @Field(() => DatasetFormat, { description: "Layout it was read from." })
  format!: DatasetFormat;

  @Field(() => String, {
    nullable: true,
    description: "Split recipe used (OFFICIAL, ARTICLE), if the format has several.",
  })
  splitRecipe!: string | null;

  @Field(() => DatasetStatus, { description: "Whether it is being prepared, usable, or failed." })
  status!: DatasetStatus;

  @Field(() => Float, {
    nullable: true,
    description: "Share of the preparation done (0–1) while GENERATING or IMPORTING.",
  })
  progress!: number | null;

  @Field(() => String, { nullable: true, description: "Why preparation failed." })
  error!: string | null;

  @Field(() => String, { description: "Directory holding the managed copy of the images." })
  rootPath!: string;

  @Field(() => String, {
    nullable: true,
    description: "sha256 over sorted relative paths and file hashes; null until known.",
  })
  contentHash!: string | null;

  @Field(() => [String], { description: "Class labels, including no-logo." })
  classes!: string[];

  @Field(() => SplitCounts, { description: "Images per split." })
  splitCounts!: SplitCounts;

  @Field(() => Date, { description: "When it was registered." })
  createdAt!: Date;

  @Field(() => Date, { description: "When its record last changed." })
  updatedAt!: Date;
}

@InputType({ description: "A dataset on the server's disk to import." })
export class ImportDatasetInput {
  @Field(() => DatasetImportFormat, { description: "Layout of the directory." })
  format!: DatasetImportFormat;

  @Field(() => String, {
    description: "Directory on the server (FlickrLogos-32: the FlickrLogos-v2 folder or its parent).",
  })
  path!: string;

  @Field(() => SplitRecipe, { nullable: true, description: "FlickrLogos-32 split recipe (default ARTICLE)." })
  splitRecipe?: SplitRecipe | null;

  @Field(() => String, {
    nullable: true,
    description: "Registry name (default FlickrLogos-32 or the folder name).",
  })
  name?: string | null;
}

@ObjectType({ description: "A page of datasets." })
export class DatasetConnection extends Connection(Dataset, "Dataset") {}

import { Field, Float, ID, InputType, Int, ObjectType } from "type-graphql";
import { Connection } from "./connection";
import {
  BackgroundPart,
  DatasetFormat,
  DatasetImportFormat,
  DatasetStatus,
  RandomisationElement,
  SplitRecipe,
} from "./enums";

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

  @Field(() => String, {
    description:
      "Directory holding the managed copy of the images (while GENERATING: the scratch folder it is generated in).",
  })
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

  @Field(() => SplitCounts, {
    description:
      "Images with at least one logo box, per split: what box-supervised (LOCALIZER) training learns from.",
  })
  imagesWithBoxes!: SplitCounts;

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

  @Field(() => Int, {
    nullable: true,
    description:
      "FLICKRLOGOS27 and PASCAL_VOC without split lists: the first images of each brand that go to train (default 10).",
  })
  trainPerClass?: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "FLICKRLOGOS27 and PASCAL_VOC: the next images of each brand that go to val (default 2); the rest go to test.",
  })
  valPerClass?: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "FLICKRLOGOS27 and PASCAL_VOC: the share of no-logo images that goes to val (default 0.5); the rest go to test.",
  })
  noLogoValShare?: number | null;

  @Field(() => String, {
    nullable: true,
    description: "Registry name (default FlickrLogos-32 or the folder name).",
  })
  name?: string | null;
}

@ObjectType({
  description:
    "Another mark of a brand a synthetic dataset drew (BRAND_MARKS) and where its artwork comes from.",
})
export class ArtworkMark {
  @Field(() => String, { description: 'What the mark shows, e.g. "prancing horse" or "2010–2015 wordmark".' })
  name!: string;

  @Field(() => String, { description: "npm package the artwork comes from, e.g. @iconify-json/logos." })
  package!: string;

  @Field(() => String, { description: "Version of that package." })
  packageVersion!: string;

  @Field(() => String, { description: "Licence the package states for this artwork (SPDX id)." })
  license!: string;
}

@ObjectType({ description: "Where one brand's artwork in a synthetic dataset comes from." })
export class DatasetSource {
  @Field(() => String, { description: "Class label the brand is drawn as." })
  className!: string;

  @Field(() => String, { description: "Brand name as the artwork package titles it." })
  title!: string;

  @Field(() => String, { description: "npm package the artwork comes from, e.g. simple-icons." })
  package!: string;

  @Field(() => String, { description: "Version of that package." })
  packageVersion!: string;

  @Field(() => String, { description: "Licence of the package as a whole (SPDX id)." })
  packageLicense!: string;

  @Field(() => String, { description: "Licence the package states for this brand's artwork (SPDX id)." })
  license!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "FlickrLogos-32 class this brand substitutes for (that brand has no free artwork); null when it is the FlickrLogos-32 brand itself.",
  })
  substitutedFor!: string | null;

  @Field(() => [ArtworkMark], {
    description:
      "The brand's other marks the generator drew among besides this artwork (BRAND_MARKS on); empty when it drew only this one.",
  })
  alternateMarks!: ArtworkMark[];
}

@ObjectType({ description: "Images per split of a generated dataset (before its split recipe moves any)." })
export class SyntheticSizes {
  @Field(() => Int, { description: "Logo images per brand generated for train." })
  trainPerBrand!: number;

  @Field(() => Int, { description: "Logo images per brand generated for val." })
  valPerBrand!: number;

  @Field(() => Int, { description: "Logo images per brand generated for test." })
  testPerBrand!: number;

  @Field(() => Int, { description: "No-logo images generated for train (0 in the FlickrLogos-32 layout)." })
  trainNoLogo!: number;

  @Field(() => Int, {
    description: "No-logo images generated for val (the ARTICLE recipe moves half into train).",
  })
  valNoLogo!: number;

  @Field(() => Int, { description: "No-logo images generated for test." })
  testNoLogo!: number;
}

@InputType({ description: "Images per split to generate (instead of a scale of FlickrLogos-32's sizes)." })
export class SyntheticSizesInput {
  @Field(() => Int, { description: "Logo images per brand for train, 1–1,000." })
  trainPerBrand!: number;

  @Field(() => Int, { description: "Logo images per brand for val, 1–1,000." })
  valPerBrand!: number;

  @Field(() => Int, { description: "Logo images per brand for test, 1–1,000." })
  testPerBrand!: number;

  @Field(() => Int, {
    description: "No-logo images for val, 0–30,000 (the ARTICLE recipe moves the first half into train).",
  })
  valNoLogo!: number;

  @Field(() => Int, { description: "No-logo images for test, 0–30,000." })
  testNoLogo!: number;
}

@ObjectType({ description: "The generator settings of a synthetic dataset." })
export class SyntheticParameters {
  @Field(() => Int, { description: "Seed; the same seed gives byte-identical images." })
  seed!: number;

  @Field(() => Float, {
    nullable: true,
    description: "Multiple of FlickrLogos-32's split sizes asked for; null when explicit sizes were.",
  })
  scale!: number | null;

  @Field(() => SyntheticSizes, { description: "The images each split got." })
  sizes!: SyntheticSizes;

  @Field(() => [RandomisationElement], {
    description:
      "The domain-randomisation elements that were on (empty for datasets generated before the generator had them).",
  })
  randomisation!: RandomisationElement[];

  @Field(() => BackgroundPart, { description: "The background photos the images were drawn on." })
  backgrounds!: BackgroundPart;
}

@InputType({ description: "A SynthLogos-32 dataset to generate on the server." })
export class GenerateSyntheticDatasetInput {
  @Field(() => Int, {
    nullable: true,
    description: "Non-negative seed (default 1); the same seed gives byte-identical images.",
  })
  seed?: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "Multiple of FlickrLogos-32's split sizes, 0.01–10 (default 1: train 10 and val/test 30 images per brand, 3,000 no-logo images in val and test). Not with sizes.",
  })
  scale?: number | null;

  @Field(() => SyntheticSizesInput, {
    nullable: true,
    description:
      "Images per split instead of a scale, e.g. 100 training images per brand (what npm start's default dataset has). Not with scale.",
  })
  sizes?: SyntheticSizesInput | null;

  @Field(() => String, { nullable: true, description: "Registry name (default SynthLogos-32)." })
  name?: string | null;

  @Field(() => SplitRecipe, {
    nullable: true,
    description: "FlickrLogos-32 split recipe applied to the generated tree (default ARTICLE).",
  })
  splitRecipe?: SplitRecipe | null;

  @Field(() => [RandomisationElement], {
    nullable: true,
    description:
      "Domain-randomisation elements to switch on (default: all; an empty list gives the plain generator). Datasets differing only here are different datasets.",
  })
  randomisation?: RandomisationElement[] | null;

  @Field(() => BackgroundPart, {
    nullable: true,
    description:
      "Background photos to draw on (default TRAINING; HELD_OUT makes an evaluation set on photos no TRAINING dataset shows).",
  })
  backgrounds?: BackgroundPart | null;
}

@ObjectType({ description: "A page of datasets." })
export class DatasetConnection extends Connection(Dataset, "Dataset") {}

import { GraphQLUpload, type FileUpload } from "graphql-upload-minimal";
import { createUnionType, Field, Float, InputType, Int, ObjectType } from "type-graphql";

@InputType({ description: "An image to classify and the model to classify it with." })
export class ClassifyImageInput {
  @Field(() => String, {
    nullable: true,
    description:
      "The image (JPEG, PNG or WebP) as base64, optionally as a data: URL. Give one of imageBase64, image, imageUrl.",
  })
  imageBase64?: string | null;

  @Field(() => GraphQLUpload, {
    nullable: true,
    description: "The image as a GraphQL multipart upload (send the header apollo-require-preflight: true).",
  })
  image?: Promise<FileUpload> | null;

  @Field(() => String, {
    nullable: true,
    description: "An http(s) URL of the image on a public address; only when the server enables it.",
  })
  imageUrl?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Model alias (default "production") or a run id (its best checkpoint).',
  })
  model?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: "How many of the most probable labels to return (1–50, default 5).",
  })
  topK?: number | null;
}

@ObjectType({ description: "A label and its probability." })
export class LabelProbability {
  @Field(() => String, { description: "Class label." })
  label!: string;

  @Field(() => Float, { description: "Probability, 0–1." })
  probability!: number;
}

@ObjectType({ description: "A rectangle in the original image's pixels (after EXIF rotation)." })
export class Box {
  @Field(() => Float, { description: "Left edge, pixels from the image's left." })
  x!: number;

  @Field(() => Float, { description: "Top edge, pixels from the image's top." })
  y!: number;

  @Field(() => Float, { description: "Width in pixels." })
  width!: number;

  @Field(() => Float, { description: "Height in pixels." })
  height!: number;
}

@ObjectType({ description: "What the model sees in the image." })
export class Classification {
  @Field(() => String, { description: "Most probable label (no-logo included)." })
  label!: string;

  @Field(() => Float, { description: "Probability of that label." })
  probability!: number;

  @Field(() => Boolean, {
    description:
      "Whether a brand logo is present: the no-logo probability is below the threshold chosen on validation data.",
  })
  isLogo!: boolean;

  @Field(() => [LabelProbability], { description: "The topK most probable labels, most probable first." })
  topK!: LabelProbability[];

  @Field(() => Box, {
    nullable: true,
    description:
      "Where the logo was found, in the original image's pixels; null when the model does not localize (only LOCALIZER runs do) or answers no-logo.",
  })
  box!: Box | null;

  @Field(() => String, { description: "Run id and checkpoint weights sha256 (runId:sha256) that answered." })
  modelVersion!: string;

  @Field(() => Float, { description: "Server-side time for this request in milliseconds." })
  latencyMs!: number;
}

@ObjectType("InvalidImageError", {
  description:
    "The input is not a supported image (JPEG, PNG, WebP): empty, not base64, truncated, too many pixels, …",
})
export class InvalidImageResult {
  @Field(() => String, { description: "What is wrong with the image." })
  message!: string;
}

@ObjectType("ModelNotFoundError", { description: "No alias of that name, nor a run with a checkpoint." })
export class ModelNotFoundResult {
  @Field(() => String, { description: "Which model was asked for." })
  message!: string;
}

export const ClassifyImageResult = createUnionType({
  name: "ClassifyImageResult",
  description: "A classification, or why there is none.",
  types: () => [Classification, InvalidImageResult, ModelNotFoundResult] as const,
  // Resolvers return jobs' ClassifyOutcome values, told apart by `kind`.
  resolveType: (value) => {
    const kind = (value as { kind?: string }).kind;
    return kind === "invalidImage"
      ? InvalidImageResult
      : kind === "modelNotFound"
        ? ModelNotFoundResult
        : Classification;
  },
});

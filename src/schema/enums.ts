import { registerEnumType } from "type-graphql";

/** Who a key belongs to; each role can do everything the roles before it can. */
export enum Role {
  VIEWER = "VIEWER",
  SERVICE = "SERVICE",
  ENGINEER = "ENGINEER",
  ADMIN = "ADMIN",
}

export enum DatasetFormat {
  FLICKRLOGOS32 = "FLICKRLOGOS32",
  IMAGE_FOLDER = "IMAGE_FOLDER",
  SYNTHETIC = "SYNTHETIC",
}

export enum DatasetStatus {
  GENERATING = "GENERATING",
  IMPORTING = "IMPORTING",
  READY = "READY",
  FAILED = "FAILED",
}

export enum DatasetImportFormat {
  FLICKRLOGOS32 = "FLICKRLOGOS32",
  IMAGE_FOLDER = "IMAGE_FOLDER",
}

export enum SplitRecipe {
  OFFICIAL = "OFFICIAL",
  ARTICLE = "ARTICLE",
}

export enum RunStatus {
  QUEUED = "QUEUED",
  RUNNING = "RUNNING",
  SUCCEEDED = "SUCCEEDED",
  FAILED = "FAILED",
  CANCELLED = "CANCELLED",
}

export enum Architecture {
  ALEXNET_LITE = "ALEXNET_LITE",
  RESNET18_V2 = "RESNET18_V2",
  MOBILENET_V2 = "MOBILENET_V2",
}

export enum Optimizer {
  SGD = "SGD",
  MOMENTUM = "MOMENTUM",
  ADAM = "ADAM",
}

export enum Augmentation {
  HORIZONTAL_FLIP = "HORIZONTAL_FLIP",
  RANDOM_CROP = "RANDOM_CROP",
  RANDOM_RESIZED_CROP = "RANDOM_RESIZED_CROP",
  COLOR_JITTER = "COLOR_JITTER",
}

export enum LossWeighting {
  NONE = "NONE",
  INVERSE_FREQUENCY = "INVERSE_FREQUENCY",
  EFFECTIVE_NUMBER = "EFFECTIVE_NUMBER",
  CUSTOM = "CUSTOM",
}

export enum RunOrder {
  CREATED_AT_DESC = "CREATED_AT_DESC",
  CREATED_AT_ASC = "CREATED_AT_ASC",
  BEST_VAL_MACRO_F1_DESC = "BEST_VAL_MACRO_F1_DESC",
}

export enum RunEventKind {
  SNAPSHOT = "SNAPSHOT",
  STATUS = "STATUS",
  PROGRESS = "PROGRESS",
  EPOCH = "EPOCH",
  CANCEL_REQUESTED = "CANCEL_REQUESTED",
}

export enum TrainingPhase {
  EMBEDDING = "EMBEDDING",
  TRAINING = "TRAINING",
}

export enum DatabaseKind {
  postgres = "postgres",
  embedded = "embedded",
}

registerEnumType(Role, {
  name: "Role",
  description:
    "API key role. VIEWER reads; SERVICE also classifies; ENGINEER also writes; ADMIN also manages keys.",
});
registerEnumType(DatasetFormat, {
  name: "DatasetFormat",
  description: "On-disk layout a dataset was read from.",
});
registerEnumType(DatasetStatus, {
  name: "DatasetStatus",
  description: "Lifecycle of a dataset: being generated or imported, usable, or failed.",
});
registerEnumType(DatasetImportFormat, {
  name: "DatasetImportFormat",
  description:
    "FLICKRLOGOS32: the FlickrLogos-v2 release layout; IMAGE_FOLDER: <root>/{train,val,test}/<class>/*.",
});
registerEnumType(SplitRecipe, {
  name: "SplitRecipe",
  description:
    "FlickrLogos-32 splits. OFFICIAL: train 320 / val 3,960 / test 3,960. ARTICLE: the first half of the validation no-logo images move into train (train 1,820 / val 2,460 / test 3,960).",
});
registerEnumType(RunStatus, { name: "RunStatus", description: "Lifecycle of a training run." });
registerEnumType(Architecture, {
  name: "Architecture",
  description:
    "Model family: ALEXNET_LITE is the article's small CNN; RESNET18_V2 pre-activation ResNet-18; MOBILENET_V2.",
});
registerEnumType(Optimizer, { name: "Optimizer", description: "Gradient-descent optimizer." });
registerEnumType(Augmentation, {
  name: "Augmentation",
  description: "Training-time image augmentation (evaluation always uses a center crop).",
});
registerEnumType(LossWeighting, {
  name: "LossWeighting",
  description:
    "How cross-entropy is weighted per class: not, by inverse frequency, by effective number, or by given weights.",
});
registerEnumType(RunOrder, { name: "RunOrder", description: "Sort order of the runs list." });
registerEnumType(RunEventKind, {
  name: "RunEventKind",
  description:
    "SNAPSHOT: the run as it is when the subscription starts; STATUS: a status change; PROGRESS: batch progress (not stored); EPOCH: an epoch's metrics were committed; CANCEL_REQUESTED: a cancel was asked for a running run.",
});
registerEnumType(TrainingPhase, {
  name: "TrainingPhase",
  description:
    "EMBEDDING: a frozen pretrained backbone embeds every image once before head-only training (features cached); TRAINING: optimizer steps of an epoch.",
});
registerEnumType(DatabaseKind, {
  name: "DatabaseKind",
  description: "postgres: an external PostgreSQL server; embedded: the built-in PGlite database.",
});

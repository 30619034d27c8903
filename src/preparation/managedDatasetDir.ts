import path from "node:path";

/** Where managed dataset copies live (the API's and the CLI's configuration both satisfy it). */
export interface DatasetStorage {
  datasetsDir: string;
  /** Allowed source roots; empty = any readable directory. */
  importRoots: string[];
}

/** A short, file-system-safe form of a dataset name. */
export function slugOf(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "") || "dataset"
  );
}

/**
 * The managed directory of a dataset: named after its name and content, so identical content
 * under one name is written once however often it is imported or generated.
 */
export function managedDatasetDir(datasetsDir: string, name: string, contentHash: string): string {
  return path.join(datasetsDir, `${slugOf(name)}-${contentHash.slice(0, 12)}`);
}

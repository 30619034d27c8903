/** Progress of a long dataset operation, reported after each image. */
export interface DatasetProgress {
  phase: "validating" | "hashing" | "writing" | "generating";
  done: number;
  total: number;
}

/** Receives progress reports; the CLI draws a bar from them. */
export type DatasetProgressCallback = (progress: DatasetProgress) => void;

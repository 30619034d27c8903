import { ValidationError } from "../errors";

/** What went wrong with one input file or folder. */
export type DatasetProblemKind =
  | "missing-root"
  | "missing-list-file"
  | "invalid-list-entry"
  | "missing-image"
  | "duplicate-path"
  | "unknown-class"
  | "unexpected-class"
  | "missing-bbox-file"
  | "invalid-bbox-file"
  | "invalid-annotation"
  | "invalid-box"
  | "unreadable-image"
  | "unsupported-file"
  | "empty-dataset";

/** One problem found while validating an import; `path` is relative to the imported root. */
export interface DatasetProblem {
  kind: DatasetProblemKind;
  path: string;
  message: string;
}

/** Orders problems by path, then kind, so reports are stable. */
export function sortProblems(problems: readonly DatasetProblem[]): DatasetProblem[] {
  return [...problems].sort((a, b) =>
    a.path === b.path ? a.kind.localeCompare(b.kind) : a.path < b.path ? -1 : 1,
  );
}

/**
 * Throws one ValidationError listing every problem (`details.problems`), or returns when there is
 * none. The message names the count and the first few problems so a CLI user sees them at once.
 */
export function throwIfProblems(what: string, root: string, problems: readonly DatasetProblem[]): void {
  if (problems.length === 0) return;
  const sorted = sortProblems(problems);
  const shown = sorted.slice(0, 5).map((p) => `${p.path}: ${p.message}`);
  const more = sorted.length > shown.length ? `; and ${sorted.length - shown.length} more` : "";
  throw new ValidationError(
    `${what} at ${root} has ${sorted.length} problem${sorted.length === 1 ? "" : "s"}: ${shown.join("; ")}${more}`,
    { root, problems: sorted },
  );
}

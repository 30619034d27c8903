import type { Architecture, Augmentation, LossWeighting, Optimizer } from "../ml/hyperparameters";
import type { RunStatus } from "../vocabulary";
import { allOf, anyOf, not, type FieldValue, type RunPredicate } from "./runPredicate";

/**
 * `runs(filter:)`: the structured twin of the query language. Every condition becomes the same
 * predicate the parser builds (field names as in `runFields.ts`); all given conditions must hold.
 */

/** Conditions on a scalar field; all given ones must hold. `ne`/`notIn` are the negations of `eq`/`in`. */
export interface ValueCondition<T> {
  eq?: T | null;
  ne?: T | null;
  in?: T[] | null;
  notIn?: T[] | null;
  /** true: the run has no value; false: it has one. */
  isNull?: boolean | null;
}

/** Conditions on an ordered field (numbers, times). */
export interface RangeCondition<T> extends ValueCondition<T> {
  lt?: T | null;
  lte?: T | null;
  gt?: T | null;
  gte?: T | null;
}

/** Conditions on a text field. */
export interface TextCondition extends ValueCondition<string> {
  /** Contains this text, case-insensitively. */
  contains?: string | null;
  /** Does not contain this text (case-insensitively). */
  notContains?: string | null;
}

/** Conditions on a list field (tags, augmentations). */
export interface ListCondition<T> {
  has?: T | null;
  lacks?: T | null;
  hasAny?: T[] | null;
  hasAll?: T[] | null;
  hasNone?: T[] | null;
  /** true: the list is empty; false: it is not. */
  isEmpty?: boolean | null;
}

/** Hyperparameter conditions. */
export interface HyperparameterFilter {
  architecture?: ValueCondition<Architecture> | null;
  pretrained?: ValueCondition<boolean> | null;
  /** "HEAD", "ALL" or a layer count. */
  trainableLayers?: ValueCondition<string | number> | null;
  imageSize?: RangeCondition<number> | null;
  batchSize?: RangeCondition<number> | null;
  epochs?: RangeCondition<number> | null;
  optimizer?: ValueCondition<Optimizer> | null;
  learningRate?: RangeCondition<number> | null;
  weightDecay?: RangeCondition<number> | null;
  augmentations?: ListCondition<Augmentation> | null;
  lossWeighting?: ValueCondition<LossWeighting> | null;
  effectiveNumberBeta?: RangeCondition<number> | null;
  seed?: RangeCondition<number> | null;
}

/** Conditions on the metrics of each run's best epoch. */
export interface BestMetricFilter {
  epoch?: RangeCondition<number> | null;
  valMacroF1?: RangeCondition<number> | null;
  valAccuracy?: RangeCondition<number> | null;
  loss?: RangeCondition<number> | null;
  trainAccuracy?: RangeCondition<number> | null;
  testAccuracy?: RangeCondition<number> | null;
  majorityBaselineAccuracy?: RangeCondition<number> | null;
}

/** Narrows `runs(filter:)`. */
export interface RunFilter {
  /** Shortcuts kept from the first version of the API. */
  experimentId?: string | null;
  statuses?: RunStatus[] | null;
  architecture?: Architecture | null;
  pretrained?: boolean | null;

  ids?: string[] | null;
  experimentIds?: string[] | null;
  experimentName?: TextCondition | null;
  experimentTags?: ListCondition<string> | null;
  experimentNote?: TextCondition | null;
  datasetId?: string | null;
  datasetIds?: string[] | null;
  datasetName?: TextCondition | null;
  datasetVersion?: RangeCondition<number> | null;
  status?: ValueCondition<RunStatus> | null;
  tags?: ListCondition<string> | null;
  note?: TextCondition | null;
  /** Contained (case-insensitively) in the run's note or tags or its experiment's name, description, note or tags. */
  text?: string | null;
  mlBackend?: TextCondition | null;
  /** Why the run failed. */
  error?: TextCondition | null;
  sweepIds?: string[] | null;
  hyperparameters?: HyperparameterFilter | null;
  best?: BestMetricFilter | null;
  createdAt?: RangeCondition<Date> | null;
  startedAt?: RangeCondition<Date> | null;
  finishedAt?: RangeCondition<Date> | null;
  and?: RunFilter[] | null;
  or?: RunFilter[] | null;
  not?: RunFilter | null;
}

interface AnyCondition extends RangeCondition<FieldValue>, ListCondition<FieldValue> {
  contains?: string | null;
  notContains?: string | null;
}

const present = <T>(value: T | null | undefined): value is T => value !== null && value !== undefined;

/** The predicates of one field's condition object. */
function conditionPredicates(field: string, condition: Partial<AnyCondition>): RunPredicate[] {
  const c = condition;
  const compare = (operator: "=" | "<" | "<=" | ">" | ">=" | "~", value: FieldValue): RunPredicate => ({
    kind: "compare",
    field,
    operator,
    value,
  });
  const isIn = (values: FieldValue[]): RunPredicate => ({ kind: "in", field, values });
  const isNull: RunPredicate = { kind: "isNull", field };
  return [
    present(c.eq) ? compare("=", c.eq) : null,
    present(c.ne) ? not(compare("=", c.ne)) : null,
    present(c.in) ? isIn(c.in) : null,
    present(c.notIn) ? not(isIn(c.notIn)) : null,
    present(c.lt) ? compare("<", c.lt) : null,
    present(c.lte) ? compare("<=", c.lte) : null,
    present(c.gt) ? compare(">", c.gt) : null,
    present(c.gte) ? compare(">=", c.gte) : null,
    present(c.contains) ? compare("~", c.contains) : null,
    present(c.notContains) ? not(compare("~", c.notContains)) : null,
    present(c.isNull) ? (c.isNull ? isNull : not(isNull)) : null,
    present(c.has) ? compare("=", c.has) : null,
    present(c.lacks) ? not(compare("=", c.lacks)) : null,
    present(c.hasAny) ? isIn(c.hasAny) : null,
    present(c.hasAll) ? allOf(c.hasAll.map((v) => compare("=", v))) : null,
    present(c.hasNone) ? not(isIn(c.hasNone)) : null,
    present(c.isEmpty) ? (c.isEmpty ? isNull : not(isNull)) : null,
  ].filter(present);
}

function fieldsPredicates(
  fields: Record<string, unknown> | null | undefined,
  prefix: string,
): RunPredicate[] {
  return Object.entries(fields ?? {})
    .filter(([, condition]) => present(condition))
    .flatMap(([name, condition]) => conditionPredicates(`${prefix}${name}`, condition as AnyCondition));
}

/** Trainable layers are compared as text ("HEAD", "ALL", "3"), as the JSON column holds them. */
function hyperparameterConditions(filter: HyperparameterFilter | null | undefined): Record<string, unknown> {
  const layers = filter?.trainableLayers;
  if (!filter || !layers) return { ...filter };
  const text = (v: string | number | null | undefined) => (v === null || v === undefined ? v : String(v));
  return {
    ...filter,
    trainableLayers: {
      ...layers,
      eq: text(layers.eq),
      ne: text(layers.ne),
      in: layers.in?.map(String),
      notIn: layers.notIn?.map(String),
    },
  };
}

/** The filter as a predicate (every run for an empty filter). */
export function runFilterPredicate(filter: RunFilter): RunPredicate {
  const f = filter;
  const inList = (field: string, values: string[] | null | undefined) =>
    present(values) ? conditionPredicates(field, { in: values }) : [];
  return allOf([
    ...(present(f.experimentId) ? conditionPredicates("experiment", { eq: f.experimentId }) : []),
    ...(f.statuses?.length ? conditionPredicates("status", { in: f.statuses }) : []),
    ...(present(f.architecture) ? conditionPredicates("architecture", { eq: f.architecture }) : []),
    ...(present(f.pretrained) ? conditionPredicates("pretrained", { eq: f.pretrained }) : []),
    ...inList("id", f.ids),
    ...inList("experiment", f.experimentIds),
    ...(present(f.datasetId) ? conditionPredicates("dataset", { eq: f.datasetId }) : []),
    ...inList("dataset", f.datasetIds),
    ...inList("sweep", f.sweepIds),
    ...fieldsPredicates(
      {
        "experiment.name": f.experimentName,
        "experiment.tag": f.experimentTags,
        "experiment.note": f.experimentNote,
        "dataset.name": f.datasetName,
        "dataset.version": f.datasetVersion,
        status: f.status,
        tag: f.tags,
        note: f.note,
        mlBackend: f.mlBackend,
        error: f.error,
        createdAt: f.createdAt,
        startedAt: f.startedAt,
        finishedAt: f.finishedAt,
      },
      "",
    ),
    ...(present(f.text) ? conditionPredicates("text", { contains: f.text }) : []),
    ...fieldsPredicates(hyperparameterConditions(f.hyperparameters), ""),
    ...fieldsPredicates(f.best as Record<string, unknown> | null | undefined, "best."),
    ...(f.and ?? []).map(runFilterPredicate),
    ...(present(f.or) ? [anyOf(f.or.map(runFilterPredicate))] : []),
    ...(present(f.not) ? [not(runFilterPredicate(f.not))] : []),
  ]);
}

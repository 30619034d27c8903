import {
  getIntrospectionQuery,
  GraphQLError,
  Kind,
  parse,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from "graphql";

/** Which limit a query broke; reported in `extensions.limit`. */
export type QueryLimit = "depth" | "cost" | "aliases";

function limitError(limit: QueryLimit, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", limit } });
}

const ASSUMED_LIST_SIZE = 20;

interface Measure {
  depth: number;
  cost: number;
  aliases: number;
}

// Validation runs before variables are bound, so a `first: $n` counts as the assumed size.
function listMultiplier(field: FieldNode): number {
  const first = field.arguments?.find((a) => a.name.value === "first");
  if (!first) return 1;
  return first.value.kind === Kind.INT ? Math.max(1, Number(first.value.value)) : ASSUMED_LIST_SIZE;
}

/**
 * Measures what a fragment spread or inline fragment stands for with `measureSet`; null when the
 * fragment is unknown or already being expanded on this path (a cycle).
 */
function measureFragment<T>(
  selection: FragmentSpreadNode | InlineFragmentNode,
  fragments: Record<string, FragmentDefinitionNode>,
  visiting: Set<string>,
  measureSet: (
    set: SelectionSetNode,
    fragments: Record<string, FragmentDefinitionNode>,
    visiting: Set<string>,
  ) => T,
): T | null {
  const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : undefined;
  const set =
    selection.kind === Kind.FRAGMENT_SPREAD
      ? fragments[selection.name.value]?.selectionSet
      : selection.selectionSet;
  if (!set || (name && visiting.has(name))) return null;
  if (name) visiting.add(name);
  try {
    return measureSet(set, fragments, visiting);
  } finally {
    if (name) visiting.delete(name);
  }
}

/**
 * Depth, cost and alias count of a selection set. Cost: 1 per field, children multiplied by a
 * list field's `first`. Fragments are expanded; a fragment cycle is left to graphql-js's own rule.
 */
function measure(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  visiting: Set<string>,
): Measure {
  const total: Measure = { depth: 0, cost: 0, aliases: 0 };
  for (const selection of selectionSet.selections) {
    let inner: Measure;
    if (selection.kind === Kind.FIELD) {
      const child = selection.selectionSet
        ? measure(selection.selectionSet, fragments, visiting)
        : { depth: 0, cost: 0, aliases: 0 };
      inner = {
        depth: child.depth + 1,
        cost: 1 + child.cost * listMultiplier(selection),
        aliases: child.aliases + (selection.alias ? 1 : 0),
      };
    } else {
      const expanded = measureFragment(selection, fragments, visiting, measure);
      if (expanded === null) continue;
      inner = expanded;
    }
    total.depth = Math.max(total.depth, inner.depth);
    total.cost += inner.cost;
    total.aliases += inner.aliases;
  }
  return total;
}

/** The root fields that introspect the schema; governed by the introspection switch, not by the data limits. */
const INTROSPECTION_ROOT_FIELDS = new Set(["__schema", "__type"]);

/** Fields of the introspection types that return lists of types, fields, arguments or values. */
const INTROSPECTION_LIST_FIELDS = new Set([
  "types",
  "directives",
  "fields",
  "args",
  "inputFields",
  "interfaces",
  "possibleTypes",
  "enumValues",
]);

/** Bounds of an introspection selection. */
export interface IntrospectionBounds {
  /** Deepest nesting under `__schema` / `__type`. */
  depth: number;
  /** Most list fields (`types`, `fields`, `args`, …) on one path: their product is the answer's size. */
  listNesting: number;
}

/** Depth and list nesting of an introspection selection set (fragments expanded). */
function measureIntrospection(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  visiting: Set<string>,
): IntrospectionBounds {
  const found: IntrospectionBounds = { depth: 0, listNesting: 0 };
  for (const selection of selectionSet.selections) {
    let inner: IntrospectionBounds;
    if (selection.kind === Kind.FIELD) {
      const child = selection.selectionSet
        ? measureIntrospection(selection.selectionSet, fragments, visiting)
        : { depth: 0, listNesting: 0 };
      const isList = INTROSPECTION_LIST_FIELDS.has(selection.name.value) ? 1 : 0;
      inner = { depth: child.depth + 1, listNesting: child.listNesting + isList };
    } else {
      const expanded = measureFragment(selection, fragments, visiting, measureIntrospection);
      if (expanded === null) continue;
      inner = expanded;
    }
    found.depth = Math.max(found.depth, inner.depth);
    found.listNesting = Math.max(found.listNesting, inner.listNesting);
  }
  return found;
}

/**
 * Splits an operation's root selections into the introspection root fields (`__schema`, `__type`,
 * also when reached through root-level fragments) and the rest. Only the root can introspect:
 * `__schema` and `__type` exist on the query type alone, so nothing nested under a data field is
 * ever exempt from the data limits.
 */
function splitRoot(
  selectionSet: SelectionSetNode,
  fragments: Record<string, FragmentDefinitionNode>,
  visiting: Set<string> = new Set(),
): { introspection: FieldNode[]; data: SelectionSetNode } {
  const introspection: FieldNode[] = [];
  const data: SelectionSetNode["selections"][number][] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (INTROSPECTION_ROOT_FIELDS.has(selection.name.value)) introspection.push(selection);
      else data.push(selection);
      continue;
    }
    const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : undefined;
    const set = name
      ? fragments[name]?.selectionSet
      : selection.kind === Kind.INLINE_FRAGMENT
        ? selection.selectionSet
        : undefined;
    if (!set || (name && visiting.has(name))) continue;
    if (name) visiting.add(name);
    const inner = splitRoot(set, fragments, visiting);
    if (name) visiting.delete(name);
    introspection.push(...inner.introspection);
    data.push(...inner.data.selections);
  }
  return { introspection, data: { kind: Kind.SELECTION_SET, selections: data } };
}

function fragmentsOf(definitions: readonly { kind: Kind }[]): Record<string, FragmentDefinitionNode> {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      const fragment = definition as FragmentDefinitionNode;
      fragments[fragment.name.value] = fragment;
    }
  }
  return fragments;
}

/**
 * The bounds of the standard introspection query — `getIntrospectionQuery()` of graphql-js with
 * every option on, which GraphiQL, Apollo Sandbox, GraphQL Code Generator, Postman and Insomnia
 * send. Introspection may go as deep as it does and nest as many lists, no further.
 */
export const STANDARD_INTROSPECTION_BOUNDS: IntrospectionBounds = (() => {
  const document = parse(
    getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    }),
  );
  const fragments = fragmentsOf(document.definitions);
  const bounds: IntrospectionBounds = { depth: 0, listNesting: 0 };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const field of splitRoot(definition.selectionSet, fragments).introspection) {
      const found = measureIntrospection(
        { kind: Kind.SELECTION_SET, selections: [field] },
        fragments,
        new Set(),
      );
      bounds.depth = Math.max(bounds.depth, found.depth);
      bounds.listNesting = Math.max(bounds.listNesting, found.listNesting);
    }
  }
  return bounds;
})();

/**
 * Limits every operation of a document to the given depth, cost and alias count. With
 * `isIntrospectionEnabled`, the root introspection fields are measured apart, against the bounds of
 * the standard introspection query, and the operation's data fields against the limits; without
 * it they count as data (and `NoSchemaIntrospectionCustomRule` refuses them anyway).
 */
export function queryLimitsRule(limits: {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  isIntrospectionEnabled?: boolean;
}): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context.getDocument().definitions);
    return {
      OperationDefinition(operation: OperationDefinitionNode) {
        const split = limits.isIntrospectionEnabled
          ? splitRoot(operation.selectionSet, fragments)
          : { introspection: [], data: operation.selectionSet };
        const found = measure(split.data, fragments, new Set());
        for (const field of split.introspection) {
          const inner = measureIntrospection(
            { kind: Kind.SELECTION_SET, selections: [field] },
            fragments,
            new Set(),
          );
          const bounds = STANDARD_INTROSPECTION_BOUNDS;
          if (inner.depth > bounds.depth) {
            context.reportError(
              limitError(
                "depth",
                `introspection depth ${inner.depth} exceeds the ${bounds.depth} of the standard introspection query`,
              ),
            );
          }
          if (inner.listNesting > bounds.listNesting) {
            context.reportError(
              limitError(
                "cost",
                `introspection nests ${inner.listNesting} lists; the standard introspection query nests ${bounds.listNesting}`,
              ),
            );
          }
          found.aliases += measure(
            { kind: Kind.SELECTION_SET, selections: [field] },
            fragments,
            new Set(),
          ).aliases;
        }
        if (found.depth > limits.maxDepth) {
          context.reportError(
            limitError("depth", `query depth ${found.depth} exceeds the limit of ${limits.maxDepth}`),
          );
        }
        if (found.cost > limits.maxCost) {
          context.reportError(
            limitError("cost", `query cost ${found.cost} exceeds the limit of ${limits.maxCost}`),
          );
        }
        if (found.aliases > limits.maxAliases) {
          context.reportError(
            limitError("aliases", `query uses ${found.aliases} aliases; the limit is ${limits.maxAliases}`),
          );
        }
      },
    };
  };
}

/**
 * Most lexical tokens a GraphQL document may have (graphql-js `maxTokens`): a million-token query
 * is refused while parsing, before validation walks it. Far above any real operation.
 */
export const MAX_QUERY_TOKENS = 20_000;

import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
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
      const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : undefined;
      const set = name
        ? fragments[name]?.selectionSet
        : selection.kind === Kind.INLINE_FRAGMENT
          ? selection.selectionSet
          : undefined;
      if (!set || (name && visiting.has(name))) continue;
      if (name) visiting.add(name);
      inner = measure(set, fragments, visiting);
      if (name) visiting.delete(name);
    }
    total.depth = Math.max(total.depth, inner.depth);
    total.cost += inner.cost;
    total.aliases += inner.aliases;
  }
  return total;
}

/** Limits every operation of a document to the given depth, cost and alias count. */
export function queryLimitsRule(limits: {
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
}): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    }
    return {
      OperationDefinition(operation: OperationDefinitionNode) {
        const found = measure(operation.selectionSet, fragments, new Set());
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

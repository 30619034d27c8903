import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from "graphql";

/** One root field as a runnable operation. */
export interface Probe {
  /** `Query.runs`, `Mutation.startRun`, `Subscription.runProgress`. */
  coordinate: string;
  operationType: "query" | "mutation" | "subscription";
  query: string;
  variables: Record<string, unknown>;
}

/** An id no row has (a valid UUIDv7 shape). */
export const ABSENT_ID = "00000000-0000-7000-8000-000000000000";

const SCALAR_SAMPLES: Record<string, unknown> = {
  ID: ABSENT_ID,
  String: "probe",
  Int: 1,
  Float: 0.5,
  Boolean: false,
  DateTimeISO: "2026-01-01T00:00:00.000Z",
};

/** A value GraphQL accepts for `type`: required input fields filled in, optional ones left out. */
export function sampleInput(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sampleInput(type.ofType);
  if (isListType(type)) return [sampleInput(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) {
    const value: Record<string, unknown> = {};
    for (const field of Object.values(type.getFields())) {
      if (isNonNullType(field.type) && field.defaultValue === undefined)
        value[field.name] = sampleInput(field.type);
    }
    return value;
  }
  if (isScalarType(type) && type.name in SCALAR_SAMPLES) return SCALAR_SAMPLES[type.name];
  throw new Error(`no sample value for scalar ${String(type)}: add one to SCALAR_SAMPLES`);
}

function probeOf(
  operationType: Probe["operationType"],
  parent: GraphQLObjectType,
  field: GraphQLField<unknown, unknown>,
  overrides: Record<string, unknown> = {},
): Probe {
  const required = field.args.filter((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined);
  const variables: Record<string, unknown> = {};
  for (const arg of required)
    variables[arg.name] = arg.name in overrides ? overrides[arg.name] : sampleInput(arg.type);
  const declarations = required.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(", ");
  const call = required.map((arg) => `${arg.name}: $${arg.name}`).join(", ");
  const selection = isLeafType(getNamedType(field.type)) ? "" : " { __typename }";
  const query =
    `${operationType} Probe${declarations ? `(${declarations})` : ""} ` +
    `{ ${field.name}${call ? `(${call})` : ""}${selection} }`;
  return { coordinate: `${parent.name}.${field.name}`, operationType, query, variables };
}

/** One probe per root field of the schema: every Query, Mutation and Subscription field. */
export function probesOf(
  schema: GraphQLSchema,
  overrides: Record<string, Record<string, unknown>> = {},
): Probe[] {
  const roots: [Probe["operationType"], GraphQLObjectType | null | undefined][] = [
    ["query", schema.getQueryType()],
    ["mutation", schema.getMutationType()],
    ["subscription", schema.getSubscriptionType()],
  ];
  return roots.flatMap(([operationType, root]) =>
    root
      ? Object.values(root.getFields()).map((field) =>
          probeOf(operationType, root, field, overrides[`${root.name}.${field.name}`]),
        )
      : [],
  );
}

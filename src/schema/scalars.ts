import { GraphQLError, GraphQLScalarType, Kind } from "graphql";

/** `"HEAD"`, `"ALL"`, or a positive count of top layers to train. */
export type TrainableLayersValue = "HEAD" | "ALL" | number;

function parseTrainableLayers(value: unknown): TrainableLayersValue {
  if (value === "HEAD" || value === "ALL") return value;
  if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  throw new GraphQLError(
    `TrainableLayers must be "HEAD", "ALL" or a positive integer, got ${JSON.stringify(value)}`,
    {
      extensions: { code: "BAD_USER_INPUT", field: "trainableLayers" },
    },
  );
}

/** Which layers train: "HEAD" (only the new classifier head), "ALL", or the count of top layers. */
export const TrainableLayersScalar = new GraphQLScalarType<TrainableLayersValue, TrainableLayersValue>({
  name: "TrainableLayers",
  description: 'Which layers train: "HEAD" (only the new head), "ALL", or an Int count of top layers.',
  serialize: (value) => parseTrainableLayers(value),
  parseValue: (value) => parseTrainableLayers(value),
  parseLiteral: (ast) => {
    if (ast.kind === Kind.STRING || ast.kind === Kind.ENUM) return parseTrainableLayers(ast.value);
    if (ast.kind === Kind.INT) return parseTrainableLayers(Number(ast.value));
    return parseTrainableLayers(undefined);
  },
});

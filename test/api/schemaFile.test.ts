import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  buildSchema,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  isSpecifiedScalarType,
} from "graphql";
import { printLogoLabSchema } from "../../src/resolvers";

const SCHEMA_FILE = path.resolve(__dirname, "../../schema.graphql");

it("schema.graphql is the schema the type-graphql classes build (regenerate: npm run schema --silent > schema.graphql)", async () => {
  expect(await printLogoLabSchema()).toBe(await readFile(SCHEMA_FILE, "utf8"));
});

it("describes every type, field and argument of the API", async () => {
  const schema = buildSchema(await readFile(SCHEMA_FILE, "utf8"));
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()];
  const undescribed: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__") || isSpecifiedScalarType(type)) continue;
    if (!type.description && !roots.includes(type as never)) undescribed.push(type.name);
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!field.description) undescribed.push(`${type.name}.${field.name}`);
        for (const arg of "args" in field ? field.args : []) {
          if (!arg.description) undescribed.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
  }
  expect(undescribed).toEqual([]);
});

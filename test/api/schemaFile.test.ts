import { readFile } from "node:fs/promises";
import path from "node:path";
import { printLogoLabSchema } from "../../src/resolvers";

const SCHEMA_FILE = path.resolve(__dirname, "../../schema.graphql");

it("schema.graphql is the schema the type-graphql classes build (regenerate: npm run schema --silent > schema.graphql)", async () => {
  expect(await printLogoLabSchema()).toBe(await readFile(SCHEMA_FILE, "utf8"));
});

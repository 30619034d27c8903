import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { buildSchema, parse, validate } from "graphql";

/**
 * Every GraphQL operation the web client and the explorer send, checked against the committed
 * schema.graphql: a renamed field or argument fails here, not in a user's browser. Operations are
 * module-level template strings; `${NAME}` parts are the other such strings (selection fragments).
 */
const CLIENT = path.resolve(__dirname, "../../web-client/src");
const schema = buildSchema(readFileSync(path.resolve(__dirname, "../../schema.graphql"), "utf8"));

function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(file);
    return /\.tsx?$/.test(entry.name)
      ? [{ file: path.relative(CLIENT, file), text: readFileSync(file, "utf8") }]
      : [];
  });
}

const STRING = /const (\w+) =\s*(?:`([^`]*)`|"([^"]*)")/g;
const files = sources(CLIENT);
const constants = new Map(
  files.flatMap(({ text }) => [...text.matchAll(STRING)].map((m) => [m[1], m[2] ?? m[3]] as const)),
);
function expand(body: string): string {
  return body.replace(/\$\{(\w+)\}/g, (_, name: string) =>
    expand(constants.get(name) ?? `<unknown ${name}>`),
  );
}
const operations = files.flatMap(({ file, text }) =>
  [...text.matchAll(STRING)]
    .filter((m) => /^\s*(query|mutation|subscription)\b/.test(m[2] ?? ""))
    .map((m) => [`${file} ${m[1]}`, expand(m[2])] as const),
);

it("finds the client's operations", () => {
  expect(operations.length).toBeGreaterThanOrEqual(20);
});

it.each(operations)("%s is valid against schema.graphql", (_name, document) => {
  expect(validate(schema, parse(document)).map((e) => e.message)).toEqual([]);
});

import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";

const REPO = path.join(__dirname, "..", "..");
const MAP = readFileSync(path.join(REPO, "docs", "ARCHITECTURE.md"), "utf8");

/** Every folder under src/ holding code (not tests, fixtures or generated files), relative to src/. */
function codeFolders(dir = path.join(REPO, "src"), prefix = ""): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !["__tests__", "fixtures"].includes(entry.name))
    .flatMap((entry) => {
      const relative = `${prefix}${entry.name}/`;
      if (entry.name === "generated") return [relative];
      return [relative, ...codeFolders(path.join(dir, entry.name), relative)];
    });
}

/** The paths the map names in backticks: files with an extension, or folders ending in `/`. */
function namedPaths(): string[] {
  const names = [...MAP.matchAll(/`([\w./-]+)`/g)].map((match) => match[1]);
  return [...new Set(names.filter((name) => /\/$|\.(ts|cjs|graphql|prisma|md)$/.test(name)))];
}

it("names every folder under src/", () => {
  const missing = codeFolders().filter(
    (folder) => !MAP.includes(`\`src/${folder}`) && !MAP.includes(`\`${folder}`),
  );
  expect(missing).toEqual([]);
});

it("names nothing that does not exist (paths relative to the repository or to src/)", () => {
  const absent = namedPaths().filter(
    (name) => !existsSync(path.join(REPO, name)) && !existsSync(path.join(REPO, "src", name)),
  );
  expect(absent).toEqual([]);
});

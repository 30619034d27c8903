import { spawnSync } from "node:child_process";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

const REPO = path.join(__dirname, "..", "..");
const CONFIG = path.join(REPO, ".dependency-cruiser.cjs");
const DEPCRUISE = path.join(REPO, "node_modules", "dependency-cruiser", "bin", "dependency-cruise.mjs");

/** Runs the import-rule check of `npm run lint` on a scratch tree of `files` (path → source). */
async function checkImports(
  files: Record<string, string>,
): Promise<{ status: number | null; output: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), "logolab-import-rules-"));
  try {
    await writeFile(path.join(root, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true } }));
    for (const [file, source] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await writeFile(path.join(root, file), source);
    }
    const result = spawnSync(
      process.execPath,
      [DEPCRUISE, "src", "--config", CONFIG, "--output-type", "err-long"],
      {
        cwd: root,
        encoding: "utf8",
      },
    );
    return { status: result.status, output: result.stdout + result.stderr };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const REGISTRY = { "src/experiments/registry.ts": "export const registry = 1;\n" };

it("fails a wrong import with the rule's name and reason", async () => {
  const result = await checkImports({
    ...REGISTRY,
    "src/ml/evaluate.ts": 'import { registry } from "../experiments/registry";\nexport const x = registry;\n',
  });
  expect(result.status).not.toBe(0);
  expect(result.output).toContain("ml-is-pure");
  expect(result.output).toContain("src/ml/evaluate.ts → src/experiments/registry.ts");
});

it("passes imports the map allows", async () => {
  const result = await checkImports({
    ...REGISTRY,
    "src/errors.ts": "export class LogoLabError extends Error {}\n",
    "src/ml/evaluate.ts": 'import { LogoLabError } from "../errors";\nexport const x = LogoLabError;\n',
    "src/resolvers/runs.ts":
      'import { registry } from "../experiments/registry";\nexport const y = registry;\n',
  });
  expect(result.output).toContain("no dependency violations found");
  expect(result.status).toBe(0);
});

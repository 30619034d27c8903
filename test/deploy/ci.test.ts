import { parse } from "yaml";
import { readRepoFile } from "./deploymentFiles";

const workflow = parse(readRepoFile(".github/workflows/ci.yml")) as {
  jobs: { test: { services: { postgres: { image: string } }; steps: { run?: string }[] } };
};
const scripts = JSON.parse(readRepoFile("package.json")).scripts as Record<string, string>;
const runs = workflow.jobs.test.steps.flatMap((step) => (step.run ? [step.run] : []));

describe("CI", () => {
  it("runs the security and fault suites, lint and typecheck, on PostgreSQL 15", () => {
    for (const script of ["build", "lint", "typecheck", "test:security", "test:faults"]) {
      expect(scripts[script]).toBeDefined();
      expect(runs).toContain(`npm run ${script}`);
    }
    expect(workflow.jobs.test.services.postgres.image).toBe("postgres:15");
  });

  it("runs every other test once: what the suites run is left out of the last step", () => {
    const last = runs.at(-1)!;
    expect(last.startsWith("npx jest")).toBe(true);
    for (const path of ["test/security", "test/faults", "test/jobs/workerProcesses.test.ts"]) {
      expect(`${scripts["test:security"]} ${scripts["test:faults"]}`).toContain(path);
      expect(last).toContain(path);
    }
  });
});

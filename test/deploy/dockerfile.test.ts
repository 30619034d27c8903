import fs from "node:fs";
import path from "node:path";
import { loadConfig } from "../../src/config";
import { DEFAULT_BACKGROUNDS_DIR } from "../../src/datasets/backgroundLibrary";
import { DEFAULT_MIGRATIONS_DIR } from "../../src/db/migrate";
import { parseDockerfile, readRepoFile, REPO_ROOT, type Stage } from "./deploymentFiles";

const stages = parseDockerfile(readRepoFile("Dockerfile"));
const runtime = stages.at(-1)!;
const of = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

/** The top-level entry of the repository a path lies under (`prisma`, `data`, …). */
const topLevel = (absolute: string) => path.relative(REPO_ROOT, absolute).split(path.sep)[0];

describe("Dockerfile", () => {
  it("has named build stages and ends with the runtime stage", () => {
    expect(stages.map((stage) => stage.name)).toEqual(["node-base", "deps", "build", "runtime"]);
    expect(stages.find((stage) => stage.name === "build")!.from).toBe("deps");
    expect(
      of(
        stages.find((s) => s.name === "build")!,
        "RUN",
      )
        .map((i) => i.args)
        .join(" "),
    ).toMatch(/npm run build && npm prune --omit=dev/);
  });

  it("copies nothing from the build context into the runtime stage, only from earlier stages", () => {
    const earlier = stages.slice(0, -1).map((stage) => stage.name);
    for (const copy of of(runtime, "COPY")) {
      const from = /--from=(\S+)/.exec(copy.args)?.[1];
      expect({ copy: copy.args, from }).toEqual({ copy: copy.args, from: expect.any(String) });
      expect(earlier).toContain(from);
    }
  });

  it("carries everything the code reads at run time", () => {
    const copied = of(runtime, "COPY").map((copy) =>
      copy.args
        .split(/\s+/)
        .at(-2)!
        .replace(/^\/app\//, ""),
    );
    const needed = [
      "package.json", // src/version.ts
      "node_modules",
      "dist",
      "bin", // the ENTRYPOINT
      topLevel(DEFAULT_MIGRATIONS_DIR),
      topLevel(DEFAULT_BACKGROUNDS_DIR),
    ];
    expect(copied.sort()).toEqual([...new Set(needed)].sort());
    for (const entry of needed) expect(fs.existsSync(path.join(REPO_ROOT, entry))).toBe(true);
  });

  it("runs as an unprivileged user", () => {
    const users = of(runtime, "USER");
    expect(users).toHaveLength(1);
    expect(users[0].args).not.toMatch(/^(root|0)(:|$)/);
    const run = of(runtime, "RUN")
      .map((i) => i.args)
      .join(" ");
    expect(run).toContain(`useradd --system --uid 10001`);
    const order = runtime.instructions.map((i) => i.keyword);
    expect(order.indexOf("USER")).toBeGreaterThan(order.lastIndexOf("COPY"));
    expect(order.indexOf("USER")).toBeGreaterThan(order.lastIndexOf("RUN"));
  });

  it("checks health on /healthz at the port the process listens on", () => {
    const [healthcheck] = of(runtime, "HEALTHCHECK");
    expect(healthcheck.args).toMatch(/CMD node -e .*\/healthz/);
    expect(healthcheck.args).toContain("process.env.LOGOLAB_METRICS_PORT||process.env.PORT||4000");
    const env = of(runtime, "ENV")
      .map((i) => i.args)
      .join(" ");
    const port = /\bPORT=(\d+)/.exec(env)![1];
    expect(of(runtime, "EXPOSE").map((i) => i.args)).toEqual([port]);
    expect(String(loadConfig({}).port)).toBe(port);
  });

  it("starts the CLI, and the data directory it declares as a volume is LOGOLAB_HOME", () => {
    expect(of(runtime, "ENTRYPOINT")[0].args).toBe(`["node", "bin/logolab.js"]`);
    expect(of(runtime, "CMD")[0].args).toBe(`["serve"]`);
    const home = /LOGOLAB_HOME=(\S+)/.exec(
      of(runtime, "ENV")
        .map((i) => i.args)
        .join(" "),
    )![1];
    expect(of(runtime, "VOLUME")[0].args).toBe(`["${home}"]`);
  });

  it("keeps local builds, databases and git out of the build context", () => {
    const ignored = readRepoFile(".dockerignore").split("\n");
    for (const entry of ["node_modules", "dist", ".logolab", ".git", "src/generated"])
      expect(ignored).toContain(entry);
  });
});

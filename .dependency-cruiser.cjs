/**
 * The import rules of docs/ARCHITECTURE.md, checked by `npm run lint` (dependency-cruiser).
 * Tests (`__tests__`) and Prisma's generated client are not cruised; type-only imports count.
 */
const SHARED = "^src/(config|errors|vocabulary|version|progressThrottle)\\.ts$";

/** A rule forbidding `from` to import anything under src/ but `allowed` (regexes). */
function onlyImports(name, comment, from, allowed) {
  return {
    name,
    comment,
    severity: "error",
    from: { path: from },
    to: { path: "^src/", pathNot: [from, SHARED, ...allowed] },
  };
}

module.exports = {
  forbidden: [
    {
      name: "shared-modules-stand-alone",
      comment:
        "config, errors, vocabulary, version and progressThrottle import nothing else from src/: every layer may use them",
      severity: "error",
      from: { path: SHARED },
      to: { path: "^src/", pathNot: SHARED },
    },
    onlyImports(
      "ml-is-pure",
      "ml/ is pure ML (tensors, models, metrics): no database, GraphQL, jobs or admission control",
      "^src/ml/",
      [],
    ),
    onlyImports(
      "datasets-are-file-system-only",
      "datasets/ reads and writes image trees and manifests only: no database, ML or GraphQL",
      "^src/datasets/",
      [],
    ),
    onlyImports(
      "db-is-the-client-factory",
      "db/ opens databases (Prisma client, migrations, embedded PGlite) and knows no domain",
      "^src/db/",
      ["^src/generated/"],
    ),
    onlyImports(
      "experiments-are-the-registry",
      "experiments/ holds the domain services over Prisma; it may use db/ and the types of ml/ and datasets/",
      "^src/experiments/",
      ["^src/db/", "^src/generated/", "^src/ml/", "^src/datasets/"],
    ),
    {
      name: "experiments-use-only-types-of-ml-and-datasets",
      comment: "experiments/ stores what ml/ and datasets/ produce but runs none of their code",
      severity: "error",
      from: { path: "^src/experiments/" },
      to: { path: "^src/(ml|datasets)/", dependencyTypesNot: ["type-only"] },
    },
    ...["jobs", "preparation", "serving"].map((service) =>
      onlyImports(
        `${service}-uses-the-layers-below`,
        `${service}/ uses ml/, datasets/, experiments/ and db/; the other services only through what the wiring passes in`,
        `^src/${service}/`,
        ["^src/ml/", "^src/datasets/", "^src/experiments/", "^src/db/"],
      ),
    ),
    onlyImports(
      "schema-holds-no-logic",
      "schema/ declares GraphQL types over the shared constants (vocabulary.ts, ml/hyperparameters.ts) only",
      "^src/schema/",
      ["^src/ml/hyperparameters\\.ts$"],
    ),
    onlyImports(
      "api-is-the-request-context",
      "api/ (auth, limits, error mapping, dataloaders) reads the registry and knows the services' types",
      "^src/api/",
      ["^src/experiments/", "^src/jobs/", "^src/preparation/", "^src/serving/"],
    ),
    onlyImports(
      "web-serves-built-files",
      "web/ serves the built web client and the explorer: static files and caching headers, nothing of the API",
      "^src/web/",
      [],
    ),
    onlyImports(
      "resolvers-are-thin",
      "resolvers/ call services; no database client, no Prisma, no wiring",
      "^src/resolvers/",
      [
        "^src/schema/",
        "^src/api/",
        "^src/experiments/",
        "^src/jobs/",
        "^src/preparation/",
        "^src/serving/",
        "^src/ml/hyperparameters\\.ts$",
      ],
    ),
    onlyImports(
      "observability-watches-from-outside",
      "observability/ (metrics, logs, request ids) listens to the services it is handed; it imports only their types",
      "^src/observability/",
      ["^src/jobs/", "^src/serving/"],
    ),
    {
      name: "observability-uses-only-types-of-the-services",
      comment: "the services do not know they are observed: observability/ runs none of their code",
      severity: "error",
      from: { path: "^src/observability/" },
      to: { path: "^src/(jobs|serving)/", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "prisma-only-in-the-registry",
      comment: "Prisma's generated client is used by db/ and experiments/ only",
      severity: "error",
      from: { pathNot: "^src/(db|experiments)/" },
      to: { path: "^src/generated/" },
    },
    {
      name: "only-the-cli-starts-the-server",
      comment: "server.ts and cli/ wire everything; nothing below imports them",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(cli/|server\\.ts$)" },
      to: { path: "^src/(cli/|server\\.ts$)" },
    },
    {
      name: "no-circular",
      comment: "modules that import each other at run time are one module in disguise",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
  ],
  options: {
    doNotFollow: { path: ["node_modules", "^src/generated/"] },
    exclude: { path: "__tests__" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    moduleSystems: ["cjs", "es6"],
  },
};

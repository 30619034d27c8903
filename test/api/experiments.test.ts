import { startTestServer, type TestServer } from "../support/testServer";

let server: TestServer;
let datasetId: string;

beforeAll(async () => {
  server = await startTestServer();
  const dataset = await server.registry.datasets.register({
    name: "tiny",
    format: "IMAGE_FOLDER",
    status: "READY",
    rootPath: "/tmp/tiny",
    classes: ["adidas", "no-logo"],
    splitCounts: { train: 4, val: 2, test: 2 },
  });
  datasetId = dataset.id;
});
afterAll(async () => {
  await server?.stop();
});

const CREATE = `mutation Create($input: CreateExperimentInput!) {
  createExperiment(input: $input) { id name description tags createdAt dataset { id name version classes splitCounts { train val test } } }
}`;

async function experimentCount(): Promise<number> {
  return server.db.database.prisma.experiment.count();
}

describe("createExperiment", () => {
  it("creates an experiment over a dataset and returns it with the dataset", async () => {
    const res = await server.gql(
      CREATE,
      {
        input: {
          name: "cnn-vs-resnet",
          description: " transfer learning ",
          datasetId,
          tags: ["article", "article", " baseline "],
        },
      },
      server.keys.engineer,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.createExperiment).toMatchObject({
      name: "cnn-vs-resnet",
      description: "transfer learning",
      tags: ["article", "baseline"],
      dataset: {
        id: datasetId,
        name: "tiny",
        version: 1,
        classes: ["adidas", "no-logo"],
        splitCounts: { train: 4, val: 2, test: 2 },
      },
    });
  });

  it("rejects a duplicate name with BAD_USER_INPUT naming the field, writing nothing", async () => {
    const before = await experimentCount();
    const res = await server.gql(
      CREATE,
      { input: { name: "cnn-vs-resnet", datasetId } },
      server.keys.engineer,
    );
    expect(res.data).toBeNull();
    expect(res.errors?.[0]).toMatchObject({
      message: 'an experiment named "cnn-vs-resnet" already exists',
      extensions: { code: "BAD_USER_INPUT", field: "name" },
    });
    expect(await experimentCount()).toBe(before);
  });

  it("rejects an unknown dataset id with NOT_FOUND, writing nothing", async () => {
    const before = await experimentCount();
    for (const unknown of ["00000000-0000-7000-8000-000000000000", "not-a-uuid"]) {
      const res = await server.gql(
        CREATE,
        { input: { name: `orphan ${unknown}`, datasetId: unknown } },
        server.keys.engineer,
      );
      expect(res.errors?.[0]).toMatchObject({
        message: `Dataset ${JSON.stringify(unknown)} does not exist`,
        extensions: { code: "NOT_FOUND" },
      });
    }
    expect(await experimentCount()).toBe(before);
  });

  it("rejects an empty name with BAD_USER_INPUT", async () => {
    const res = await server.gql(CREATE, { input: { name: "   ", datasetId } }, server.keys.engineer);
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "name" });
  });
});

describe("queries", () => {
  it("reads one experiment, one dataset and the datasets list", async () => {
    const created = await server.gql<{ createExperiment: { id: string } }>(
      CREATE,
      { input: { name: "lookup", datasetId } },
      server.keys.engineer,
    );
    const id = created.data!.createExperiment.id;
    const res = await server.gql(
      `query($id: ID!, $ds: ID!) {
        experiment(id: $id) { id name dataset { id } }
        missing: experiment(id: "00000000-0000-7000-8000-000000000000") { id }
        malformed: experiment(id: "nope") { id }
        dataset(id: $ds) { id status format }
        datasets(first: 5) { totalCount nodes { id } pageInfo { hasNextPage } }
      }`,
      { id, ds: datasetId },
      server.keys.viewer,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      experiment: { id, name: "lookup", dataset: { id: datasetId } },
      missing: null,
      malformed: null,
      dataset: { id: datasetId, status: "READY", format: "IMAGE_FOLDER" },
      datasets: { totalCount: 1, nodes: [{ id: datasetId }], pageInfo: { hasNextPage: false } },
    });
  });

  it("lists runs and run comparisons (empty registry of runs)", async () => {
    const res = await server.gql(
      `{ runs(first: 10, orderBy: BEST_VAL_MACRO_F1_DESC) { totalCount edges { cursor } pageInfo { hasNextPage endCursor } } modelAliases { name } }`,
      {},
      server.keys.viewer,
    );
    expect(res.data).toEqual({
      runs: { totalCount: 0, edges: [], pageInfo: { hasNextPage: false, endCursor: null } },
      modelAliases: [],
    });
    const compare = await server.gql(
      `{ compareRuns(ids: ["00000000-0000-7000-8000-000000000000"]) { bestRunId } }`,
      {},
      server.keys.viewer,
    );
    expect(compare.errors?.[0].extensions?.code).toBe("NOT_FOUND");
  });
});

describe("pagination", () => {
  const PAGE = `query($first: Int, $after: String, $filter: ExperimentFilter) {
    experiments(first: $first, after: $after, filter: $filter) {
      totalCount
      edges { cursor node { name } }
      pageInfo { hasNextPage hasPreviousPage endCursor }
    }
  }`;
  type PageData = {
    experiments: {
      totalCount: number;
      edges: { cursor: string; node: { name: string } }[];
      pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
    };
  };

  it("walks 250 experiments with first: 40, each exactly once, newest first, with correct hasNextPage", async () => {
    const names = Array.from({ length: 250 }, (_, i) => `page-${String(i).padStart(3, "0")}`);
    for (const name of names) {
      await server.registry.experiments.create({ name, datasetId, tags: ["paged"] });
    }
    const seen: string[] = [];
    const hasNext: boolean[] = [];
    let after: string | null = null;
    do {
      const res: { data?: PageData | null } = await server.gql<PageData>(
        PAGE,
        { first: 40, after, filter: { tag: "paged" } },
        server.keys.viewer,
      );
      const page: PageData["experiments"] = res.data!.experiments;
      expect(page.totalCount).toBe(250);
      seen.push(...page.edges.map((e) => e.node.name));
      hasNext.push(page.pageInfo.hasNextPage);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    const stored = await server.db.database.prisma.experiment.findMany({
      where: { tags: { has: "paged" } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    });
    expect(new Set(seen).size).toBe(250);
    expect(seen).toEqual(stored.map((e) => e.name));
    expect(seen[0]).toBe("page-249");
    expect(hasNext).toEqual([true, true, true, true, true, true, false]);
  });

  it("rejects first: 10000 and first: -1 with BAD_USER_INPUT", async () => {
    for (const first of [10000, -1]) {
      const res = await server.gql(PAGE, { first }, server.keys.viewer);
      expect(res.errors?.[0]).toMatchObject({
        message: `first must be an integer between 0 and 100, got ${first}`,
        extensions: { code: "BAD_USER_INPUT", field: "first" },
      });
    }
  });

  it("rejects a forged or foreign cursor with BAD_USER_INPUT", async () => {
    const runs = await server.gql<{ runs: { pageInfo: { endCursor: string } } }>(
      `{ datasets(first: 1) { pageInfo { endCursor } } }`,
      {},
      server.keys.viewer,
    );
    const foreign = (runs.data as unknown as { datasets: { pageInfo: { endCursor: string } } }).datasets
      .pageInfo.endCursor;
    for (const after of ["garbage", foreign]) {
      const res = await server.gql(PAGE, { first: 5, after }, server.keys.viewer);
      expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "after" });
    }
  });
});

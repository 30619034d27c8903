import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { writeImageFolder } from "../support/imageFolder";
import { startTestServer, type TestServer } from "../support/testServer";

let server: TestServer;
let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-datasets-"));
  server = await startTestServer({
    LOGOLAB_HOME: path.join(tmp, "home"),
    LOGOLAB_IMPORT_ROOTS: path.join(tmp, "sources"),
  });
});
afterAll(async () => {
  await server?.stop();
  await fs.rm(tmp, { recursive: true, force: true });
});

const IMPORT = `mutation($input: ImportDatasetInput!) {
  importDataset(input: $input) {
    id name version status format contentHash classes rootPath
    splitCounts { train val test }
    classCounts { label train val test }
  }
}`;

type Imported = {
  importDataset: {
    id: string;
    name: string;
    version: number;
    status: string;
    contentHash: string;
    rootPath: string;
    classes: string[];
    splitCounts: { train: number; val: number; test: number };
    classCounts: { label: string; train: number; val: number; test: number }[];
  };
};

async function datasetCount(): Promise<number> {
  return server.db.database.prisma.dataset.count();
}

describe("importDataset (IMAGE_FOLDER)", () => {
  const source = () => path.join(tmp, "sources", "logos");

  it("registers a READY dataset with classes, split and class counts, and a managed copy", async () => {
    await writeImageFolder(
      source(),
      { adidas: [200, 30, 30], "no-logo": [30, 160, 60] },
      { train: 3, val: 2, test: 1 },
    );
    const res = await server.gql<Imported>(
      IMPORT,
      { input: { format: "IMAGE_FOLDER", path: source() } },
      server.keys.engineer,
    );
    expect(res.errors).toBeUndefined();
    const dataset = res.data!.importDataset;
    expect(dataset).toMatchObject({
      name: "logos",
      version: 1,
      status: "READY",
      format: "IMAGE_FOLDER",
      classes: ["adidas", "no-logo"],
      splitCounts: { train: 6, val: 4, test: 2 },
      classCounts: [
        { label: "adidas", train: 3, val: 2, test: 1 },
        { label: "no-logo", train: 3, val: 2, test: 1 },
      ],
    });
    expect(dataset.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(dataset.rootPath.startsWith(path.join(tmp, "home"))).toBe(true);
    const copied = await fs.readdir(path.join(dataset.rootPath, "train", "adidas"));
    expect(copied).toHaveLength(3);
  });

  it("finds the same dataset when unchanged data is imported again", async () => {
    const before = await datasetCount();
    const again = await server.gql<Imported>(
      IMPORT,
      { input: { format: "IMAGE_FOLDER", path: source() } },
      server.keys.engineer,
    );
    expect(await datasetCount()).toBe(before);
    const listed = await server.db.database.prisma.dataset.findMany();
    expect(again.data!.importDataset.id).toBe(listed[0].id);
  });

  it("registers changed data as the next version of the name", async () => {
    await writeImageFolder(
      source(),
      { adidas: [200, 30, 30], "no-logo": [30, 160, 60] },
      { train: 4, val: 2, test: 1 },
    );
    const res = await server.gql<Imported>(
      IMPORT,
      { input: { format: "IMAGE_FOLDER", path: source() } },
      server.keys.engineer,
    );
    expect(res.data!.importDataset).toMatchObject({
      name: "logos",
      version: 2,
      splitCounts: { train: 8, val: 4, test: 2 },
    });
  });

  it("rejects a tree with a truncated image, listing the problem, and registers nothing", async () => {
    const broken = path.join(tmp, "sources", "broken");
    await writeImageFolder(broken, { adidas: [200, 30, 30], "no-logo": [30, 160, 60] });
    const victim = path.join(broken, "train", "adidas", "train-0.png");
    const bytes = await fs.readFile(victim);
    await fs.writeFile(victim, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const before = await datasetCount();
    const res = await server.gql(
      IMPORT,
      { input: { format: "IMAGE_FOLDER", path: broken } },
      server.keys.engineer,
    );
    expect(res.errors?.[0].extensions).toMatchObject({
      code: "BAD_USER_INPUT",
      problems: [expect.objectContaining({ kind: "unreadable-image", path: "train/adidas/train-0.png" })],
    });
    expect(await datasetCount()).toBe(before);
  });

  it("refuses paths outside LOGOLAB_IMPORT_ROOTS", async () => {
    const res = await server.gql(
      IMPORT,
      { input: { format: "IMAGE_FOLDER", path: "/etc" } },
      server.keys.engineer,
    );
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "path" });
  });

  it("needs the ENGINEER role", async () => {
    const res = await server.gql(
      IMPORT,
      { input: { format: "IMAGE_FOLDER", path: source() } },
      server.keys.viewer,
    );
    expect(res.errors?.[0].extensions?.code).toBe("FORBIDDEN");
  });
});

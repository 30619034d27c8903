import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { writeJpeg } from "../../src/datasets/__tests__/fixtures/annotatedImages";
import { startTestServer, type TestServer } from "../support/testServer";

let server: TestServer;
let root: string;
beforeAll(async () => {
  server = await startTestServer();
  root = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-fl27-api-"));
  const lines: string[] = [];
  for (const brand of ["Adidas", "Pepsi"]) {
    for (let i = 0; i < 4; i++) {
      await writeJpeg(path.join(root, "images", `${brand}${i}.jpg`), 160, 120, 40 * i);
      lines.push(`${brand}${i}.jpg ${brand} 1 ${10 + i} 10 ${60 + i} 50`);
    }
  }
  await writeJpeg(path.join(root, "images", "empty.jpg"), 160, 120, 200);
  await fs.writeFile(path.join(root, "training_set_annotation.txt"), lines.join("\n") + "\n");
  await fs.writeFile(path.join(root, "query_set_annotation.txt"), "empty.jpg\tnone\n");
});
afterAll(async () => {
  await server?.stop();
  await fs.rm(root, { recursive: true, force: true });
});

const IMPORT = `mutation($input: ImportDatasetInput!) { importDataset(input: $input) {
  id name format status classes splitCounts { train val test } imagesWithBoxes { train val test } } }`;

it("imports FlickrLogos-27 with its boxes, split per brand as asked", async () => {
  const res = await server.gql<{ importDataset: Record<string, unknown> }>(
    IMPORT,
    { input: { format: "FLICKRLOGOS27", path: root, trainPerClass: 2, valPerClass: 1, noLogoValShare: 0 } },
    server.keys.engineer,
  );
  expect(res.errors).toBeUndefined();
  expect(res.data!.importDataset).toMatchObject({
    name: "FlickrLogos-27",
    format: "FLICKRLOGOS27",
    status: "READY",
    classes: ["adidas", "no-logo", "pepsi"],
    splitCounts: { train: 4, val: 2, test: 3 },
    imagesWithBoxes: { train: 4, val: 2, test: 2 },
  });
});

it("refuses a bad split with the field named, registering nothing", async () => {
  const before = await server.registry.datasets.count();
  const res = await server.gql(
    IMPORT,
    { input: { format: "FLICKRLOGOS27", path: root, trainPerClass: 0 } },
    server.keys.engineer,
  );
  expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "trainPerClass" });
  expect(await server.registry.datasets.count()).toBe(before);
});

import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { writeImageFolder } from "../support/imageFolder";
import { BUILT_CLI } from "../support/builtCli";

interface Started {
  child: ChildProcessWithoutNullStreams;
  url: string;
  output: () => string;
}

/** Starts the built `logolab serve` with no DATABASE_URL in `home`, resolving once it listens. */
function startBuiltServer(home: string): Promise<Started> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOGOLAB_HOME: home,
    PORT: "0",
    LOGOLAB_DEFAULT_DATASET: "false",
  };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [BUILT_CLI, "serve"], { env, cwd: home });
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /on (http:\/\/[^\s]+)\/graphql/.exec(output);
      if (match) resolve({ child, url: match[1], output: () => output });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) =>
      reject(new Error(`server exited with ${code} before listening:\n${output}`)),
    );
  });
}

function stop(started: Started): Promise<number | null> {
  return new Promise((resolve) => {
    started.child.once("exit", (code) => resolve(code));
    started.child.kill("SIGTERM");
  });
}

async function gql(url: string, key: string, query: string, variables: Record<string, unknown> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

let home: string;
beforeAll(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-embedded-"));
});
afterAll(async () => {
  await fs.rm(home, { recursive: true, force: true });
});

it("keeps experiments across restarts of the embedded database, and prints the admin key only on first start", async () => {
  const first = await startBuiltServer(home);
  const key = /LOGOLAB_ADMIN_KEY=(\S+)/.exec(first.output())?.[1];
  expect(key).toBeDefined();
  const health = await gql(first.url, key!, "{ health { database } }");
  expect(health.data.health.database).toBe("embedded");

  const images = path.join(home, "source-images");
  await writeImageFolder(images, { adidas: [200, 30, 30], "no-logo": [30, 160, 60] });
  const imported = await gql(
    first.url,
    key!,
    `mutation($path: String!) { importDataset(input: { format: IMAGE_FOLDER, path: $path, name: "tiny" }) { id status } }`,
    { path: images },
  );
  expect(imported.errors).toBeUndefined();
  const created = await gql(
    first.url,
    key!,
    `mutation($ds: ID!) { createExperiment(input: { name: "survives restarts", datasetId: $ds }) { id } }`,
    { ds: imported.data.importDataset.id },
  );
  expect(created.errors).toBeUndefined();
  expect(await stop(first)).toBe(0);

  const second = await startBuiltServer(home);
  expect(second.output()).not.toContain("LOGOLAB_ADMIN_KEY=");
  const listed = await gql(second.url, key!, "{ experiments { nodes { id name dataset { name status } } } }");
  expect(listed.data.experiments.nodes).toEqual([
    {
      id: created.data.createExperiment.id,
      name: "survives restarts",
      dataset: { name: "tiny", status: "READY" },
    },
  ]);
  expect(await stop(second)).toBe(0);
}, 120_000);

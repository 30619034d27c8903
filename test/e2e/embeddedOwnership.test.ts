import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { lockPathOf, type EmbeddedDatabaseOwner } from "../../src/db/embeddedLock";
import { gqlAt, runCli, startServe, type CliProcess } from "../support/cliProcess";
import { writeImageFolder } from "../support/imageFolder";

// One process owns the embedded database at a time. While `serve` holds it, one-shot commands use
// the server's database through its socket (the lock file says where); `serve` and `reproduce`
// refuse. The built CLI, real processes.

let home: string;
let env: Record<string, string>;
let serve: (CliProcess & { url: string; adminKey: string | undefined }) | undefined;
const lockPath = () => lockPathOf(path.join(home, "db"));

async function lockOwner(): Promise<EmbeddedDatabaseOwner> {
  return JSON.parse(await fs.readFile(lockPath(), "utf8")) as EmbeddedDatabaseOwner;
}

async function isLocked(): Promise<boolean> {
  return fs.access(lockPath()).then(
    () => true,
    () => false,
  );
}

beforeAll(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-ownership-"));
  env = { LOGOLAB_HOME: home, LOGOLAB_WORKERS: "0" };
  serve = await startServe(env, home);
}, 120_000);
afterAll(async () => {
  serve?.child.kill("SIGKILL");
  await serve?.exited;
  await fs.rm(home, { recursive: true, force: true });
});

let cliKey: string;
let datasetId: string;

it("writes who holds the database and where its socket and API are into $LOGOLAB_HOME/db.lock", async () => {
  const owner = await lockOwner();
  expect(owner).toMatchObject({ pid: serve!.pid, command: "logolab serve", apiUrl: serve!.url });
  expect(owner.socket).toEqual({ host: "127.0.0.1", port: expect.any(Number) });
});

it("creates a key with `keys create` that the running server accepts at once", async () => {
  const created = await runCli(
    ["keys", "create", "--role", "engineer", "--name", "made beside serve"],
    env,
    home,
  );
  expect(created.status).toBe(0);
  cliKey = /secret: (\S+)/.exec(created.output)![1];
  const answer = await gqlAt(serve!.url, cliKey, "{ experiments { totalCount } }");
  expect(answer).toEqual({ status: 200, data: { experiments: { totalCount: 0 } } });
  const listed = await runCli(["keys", "list"], env, home);
  expect(listed.status).toBe(0);
  expect(listed.output).toContain("made beside serve");
}, 60_000);

it("imports and lists datasets through the server's database; the server sees them", async () => {
  const images = path.join(home, "two-classes");
  await writeImageFolder(images, { adidas: [200, 30, 30], "no-logo": [30, 160, 60] });
  const imported = await runCli(
    ["dataset", "import", "--format", "image-folder", "--path", images, "--name", "beside serve"],
    env,
    home,
  );
  expect(imported.status).toBe(0);
  datasetId = /id: +(\S+)/.exec(imported.output)![1];
  const seen = await gqlAt<{ dataset: { name: string; status: string } }>(
    serve!.url,
    cliKey,
    "query($id: ID!) { dataset(id: $id) { name status } }",
    { id: datasetId },
  );
  expect(seen.data).toEqual({ dataset: { name: "beside serve", status: "READY" } });
  const listed = await runCli(["dataset", "list"], env, home);
  expect(listed.output).toContain(datasetId);
}, 60_000);

it("migrates through the server's database: nothing left to apply", async () => {
  const migrated = await runCli(["migrate"], env, home);
  expect(migrated).toMatchObject({
    status: 0,
    output: expect.stringMatching(/^applied 0 migration\(s\); \d+ already applied\n$/),
  });
}, 60_000);

it("answers `classify` and `sweep status` through the server's database", async () => {
  const image = path.join(home, "red.png");
  await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 30, b: 30 } } })
    .png()
    .toFile(image);
  const classified = await runCli(["classify", image, "--model", "nope"], env, home);
  expect(classified.status).toBe(1);
  expect(classified.output).toContain('no model "nope"');
  const sweep = await runCli(["sweep", "status", "cm0000000000000000000000"], env, home);
  expect(sweep.status).toBe(1);
  expect(sweep.output).toContain("no sweep cm0000000000000000000000");
  expect((await lockOwner()).pid).toBe(serve!.pid);
}, 60_000);

it.each([["serve"], ["reproduce", "--quick"]])(
  "refuses `%s` while serve holds the database, naming it and the two ways out",
  async (...args: string[]) => {
    const owner = await lockOwner();
    const refused = await runCli(args, { ...env, PORT: "0" }, home);
    expect(refused.status).toBe(1);
    expect(refused.output).toBe(
      `logolab: the embedded database ${path.join(home, "db")} is in use by \`logolab serve\` ` +
        `(pid ${serve!.pid}, API ${serve!.url}, database socket 127.0.0.1:${owner.socket!.port}, since ${owner.since}); ` +
        `one process at a time may open it: stop that process (Ctrl-C, or kill -TERM ${serve!.pid}), ` +
        `or set DATABASE_URL to use a PostgreSQL server\n`,
    );
    expect(refused.ms).toBeLessThan(10_000);
    expect((await lockOwner()).token).toBe(owner.token);
  },
  60_000,
);

it("keeps what the CLI wrote: after a stop and a restart, the key and the dataset are there", async () => {
  expect((await serve!.signal("SIGTERM")).status).toBe(0);
  expect(await isLocked()).toBe(false);
  serve = await startServe(env, home);
  const seen = await gqlAt<{ dataset: { name: string } }>(
    serve.url,
    cliKey,
    "query($id: ID!) { dataset(id: $id) { name } }",
    { id: datasetId },
  );
  expect(seen).toEqual({ status: 200, data: { dataset: { name: "beside serve" } } });
}, 120_000);

it("takes over the lock of a server that was killed", async () => {
  serve!.child.kill("SIGKILL");
  await serve!.exited;
  expect((await lockOwner()).pid).toBe(serve!.pid);
  const listed = await runCli(["keys", "list"], env, home);
  expect(listed.status).toBe(0);
  expect(listed.output).toContain("made beside serve");
  expect(await isLocked()).toBe(false);
  serve = await startServe(env, home);
  expect((await lockOwner()).pid).toBe(serve.pid);
}, 120_000);

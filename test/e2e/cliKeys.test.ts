import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createRegistry } from "../../src/experiments/registry";
import { createTestDatabase, type TestDatabase } from "../support/testDatabase";
import { BUILT_CLI } from "../support/builtCli";

const run = promisify(execFile);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

function cli(...args: string[]) {
  return run(process.execPath, [BUILT_CLI, ...args], {
    env: { ...process.env, DATABASE_URL: db.scratch.url, LOGOLAB_HOME: db.config.home },
  });
}

it("creates a key whose printed secret authenticates, lists it without the secret, and revokes it", async () => {
  const created = await cli("keys", "create", "--role", "service", "--name", "ad service");
  const secret = /secret: (\S+)/.exec(created.stdout)![1];
  const id = /id: +(\S+)/.exec(created.stdout)![1];
  const apiKeys = createRegistry(db.database.prisma).apiKeys;
  expect(await apiKeys.authenticate(secret)).toMatchObject({ id, role: "SERVICE", name: "ad service" });

  const listed = await cli("keys", "list");
  expect(listed.stdout).toContain(id);
  expect(listed.stdout).not.toContain(secret);

  await cli("keys", "revoke", id);
  expect(await apiKeys.authenticate(secret)).toBeNull();
});

it("refuses an unknown role with a clear message and a non-zero exit", async () => {
  await expect(cli("keys", "create", "--role", "root")).rejects.toMatchObject({
    code: 1,
    stderr: expect.stringContaining("role must be one of viewer, service, engineer, admin"),
  });
});

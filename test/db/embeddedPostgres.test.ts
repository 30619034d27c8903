import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";

// PGlite loads its wasm through dynamic import(), which jest's module runtime refuses: the embedded
// server runs in a child process (the built module), as it does under `npm start`.
const EMBEDDED = path.join(__dirname, "..", "..", "dist", "db", "embeddedPostgres.js");

let dir: string;
let server: ChildProcess;
let embedded: { connectionString: string };
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "logolab-pglite-"));
  const script = `require(${JSON.stringify(EMBEDDED)}).startEmbeddedPostgres(${JSON.stringify(dir)}).then((e) => console.log(e.connectionString))`;
  server = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const connectionString = await new Promise<string>((resolve, reject) => {
    server.stdout!.on("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
    server.once("exit", (code) => reject(new Error(`embedded server exited with ${code}`)));
  });
  embedded = { connectionString };
}, 120_000);
afterAll(async () => {
  server?.kill();
  await fs.rm(dir, { recursive: true, force: true });
  await fs.rm(`${dir}.lock`, { force: true });
});

it("keeps each connection's parameterised queries intact while other connections run transactions", async () => {
  // Without LogoLab's scheduler, a transaction starting between another connection's Parse and Bind
  // replaced that connection's unnamed statement: about a third of such queries failed.
  const pool = new pg.Pool({ connectionString: embedded.connectionString, max: 6 });
  try {
    const work = Array.from({ length: 600 }, async (_, i) => {
      if (i % 7 === 0) {
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          await client.query("SELECT $1::int + $2::int + $3::int AS x", [1, 2, 3]);
          await client.query("COMMIT");
        } finally {
          client.release();
        }
        return;
      }
      const params = Array.from({ length: 1 + (i % 5) }, (__, k) => i * 10 + k);
      const sql = `SELECT ${params.map((_p, k) => `$${k + 1}::int`).join(" + ")} AS total`;
      const result = await pool.query<{ total: number }>(sql, params);
      expect(result.rows[0].total).toBe(params.reduce((a, b) => a + b, 0));
    });
    await Promise.all(work);
  } finally {
    await pool.end();
  }
}, 120_000);

it("keeps serving after a failing statement", async () => {
  const client = new pg.Client({ connectionString: embedded.connectionString });
  await client.connect();
  try {
    await expect(client.query("SELECT $1::int / 0", [1])).rejects.toThrow(/division by zero/);
    expect((await client.query("SELECT $1::int + 1 AS n", [1])).rows[0].n).toBe(2);
  } finally {
    await client.end();
  }
});

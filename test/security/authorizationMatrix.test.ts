import WebSocket from "ws";
import { buildLogoLabSchema } from "../../src/resolvers";
import { ROLES, type Role } from "../../src/vocabulary";
import { startTestServer, type GraphQLResponse, type TestServer } from "../support/testServer";
import { INTENDED_ACCESS, SAFE_ARGUMENTS, type Access } from "./intendedRoles";
import { probesOf, type Probe } from "./schemaProbes";

/** Who sends a probe: no key, a key of each role, a revoked key. */
type Caller = "none" | Role | "revoked";
const CALLERS: Caller[] = ["none", ...ROLES, "revoked"];

type Expected = "allowed" | "UNAUTHENTICATED" | "FORBIDDEN" | "REFUSED_KEY";

/** What the intended table says a caller gets. */
function expectedFor(access: Access, caller: Caller): Expected {
  if (caller === "revoked") return "REFUSED_KEY";
  if (access === "PUBLIC") return "allowed";
  if (caller === "none") return "UNAUTHENTICATED";
  return ROLES.indexOf(caller) >= ROLES.indexOf(access) ? "allowed" : "FORBIDDEN";
}

interface Answer {
  status?: number;
  errors: { message: string; extensions?: Record<string, unknown> }[];
  /** Close code of a websocket the server ended. */
  closeCode?: number;
}

let server: TestServer;
let probes: Probe[];
let revokedKey: string;
const keyOf = (caller: Caller): string | undefined =>
  caller === "none"
    ? undefined
    : caller === "revoked"
      ? revokedKey
      : server.keys[caller.toLowerCase() as "viewer"];

beforeAll(async () => {
  server = await startTestServer();
  probes = probesOf(await buildLogoLabSchema(), SAFE_ARGUMENTS);
  const { apiKey, secret } = await server.registry.apiKeys.create("ADMIN", "revoked for the matrix");
  await server.registry.apiKeys.revoke(apiKey.id);
  revokedKey = secret;
});
afterAll(async () => {
  await server?.stop();
});

/** Runs a subscription probe over graphql-ws until its first message, error or close. */
function subscribeOnce(probe: Probe, key: string | undefined): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = new WebSocket(server.graphqlUrl.replace(/^http/, "ws"), "graphql-transport-ws");
    const timer = setTimeout(() => finish({ errors: [] }), 5_000);
    const finish = (answer: Answer) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.on("error", () => {});
      socket.close();
      resolve(answer);
    };
    socket.on("open", () =>
      socket.send(
        JSON.stringify({ type: "connection_init", payload: key ? { authorization: `Bearer ${key}` } : {} }),
      ),
    );
    socket.on("message", (raw) => {
      const message = JSON.parse(String(raw)) as { type: string; payload?: unknown };
      if (message.type === "connection_ack") {
        socket.send(
          JSON.stringify({
            id: "1",
            type: "subscribe",
            payload: { query: probe.query, variables: probe.variables },
          }),
        );
      } else if (message.type === "error") {
        finish({ errors: message.payload as Answer["errors"] });
      } else if (message.type === "next") {
        finish({ errors: (message.payload as { errors?: Answer["errors"] }).errors ?? [] });
      } else if (message.type === "complete") {
        finish({ errors: [] });
      }
    });
    socket.on("close", (code) => finish({ errors: [], closeCode: code }));
    socket.on("error", () => finish({ errors: [], closeCode: -1 }));
  });
}

async function ask(probe: Probe, caller: Caller): Promise<Answer> {
  const key = keyOf(caller);
  if (probe.operationType === "subscription") return subscribeOnce(probe, key);
  const res: GraphQLResponse = await server.gql(probe.query, probe.variables, key);
  return { status: res.status, errors: res.errors ?? [] };
}

const codesOf = (answer: Answer) => answer.errors.map((error) => error.extensions?.code);

function check(probe: Probe, caller: Caller, expected: Expected, answer: Answer): void {
  const where = `${probe.coordinate} as ${caller}`;
  const codes = codesOf(answer);
  // A probe GraphQL refused before running proves nothing: the generator must make valid calls.
  expect({ where, codes }).not.toEqual({
    where,
    codes: expect.arrayContaining(["GRAPHQL_VALIDATION_FAILED"]),
  });
  for (const error of answer.errors)
    expect({ where, message: error.message }).not.toEqual({
      where,
      message: expect.stringMatching(/^Variable "\$/),
    });
  switch (expected) {
    case "allowed":
      expect({ where, codes }).not.toEqual({ where, codes: expect.arrayContaining(["UNAUTHENTICATED"]) });
      expect({ where, codes }).not.toEqual({ where, codes: expect.arrayContaining(["FORBIDDEN"]) });
      expect({ where, closeCode: answer.closeCode }).toEqual({ where, closeCode: undefined });
      break;
    case "UNAUTHENTICATED":
      expect({ where, codes }).toEqual({ where, codes: ["UNAUTHENTICATED"] });
      break;
    case "FORBIDDEN": {
      const access = INTENDED_ACCESS[probe.coordinate];
      expect({ where, codes }).toEqual({ where, codes: ["FORBIDDEN"] });
      expect({ where, requiredRole: answer.errors[0].extensions?.requiredRole }).toEqual({
        where,
        requiredRole: access,
      });
      break;
    }
    case "REFUSED_KEY":
      if (probe.operationType === "subscription") {
        // graphql-ws refuses the connection itself (onConnect → false: 4403 Forbidden).
        expect({ where, closeCode: answer.closeCode }).toEqual({ where, closeCode: 4403 });
      } else {
        expect({ where, status: answer.status, codes }).toEqual({
          where,
          status: 401,
          codes: ["UNAUTHENTICATED"],
        });
      }
      break;
  }
}

describe("the authorization matrix, generated from the schema", () => {
  it("has an intended access for every root field, and no entry for a field that is gone", () => {
    const inSchema = probes.map((probe) => probe.coordinate).sort();
    expect(inSchema).toEqual(Object.keys(INTENDED_ACCESS).sort());
    expect(inSchema.length).toBeGreaterThan(30);
  });

  it("answers every root field × every role, no key and a revoked key as the intended table says", async () => {
    let cells = 0;
    for (const probe of probes) {
      const access = INTENDED_ACCESS[probe.coordinate];
      for (const caller of CALLERS) {
        check(probe, caller, expectedFor(access, caller), await ask(probe, caller));
        cells++;
      }
    }
    expect(cells).toBe(probes.length * CALLERS.length);
  }, 120_000);

  it("leaves nothing behind: refused and authorized probes alike stored no dataset, experiment or run", async () => {
    const prisma = server.db.database.prisma;
    expect(await prisma.dataset.count()).toBe(0);
    expect(await prisma.experiment.count()).toBe(0);
    expect(await prisma.run.count()).toBe(0);
  });

  it("never answers an error with a stack trace or a server path", async () => {
    for (const probe of probes.filter((p) => p.operationType !== "subscription")) {
      for (const caller of ["none", "VIEWER", "ADMIN"] as Caller[]) {
        const response = await fetch(server.graphqlUrl, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(keyOf(caller) ? { authorization: `Bearer ${keyOf(caller)}` } : {}),
          },
          body: JSON.stringify({ query: probe.query, variables: probe.variables }),
        });
        const text = await response.text();
        expect({ probe: probe.coordinate, text }).not.toEqual({
          probe: probe.coordinate,
          text: expect.stringMatching(/stacktrace|\bat .+\(.+:\d+:\d+\)|\/src\/|node_modules/),
        });
      }
    }
  }, 60_000);
});

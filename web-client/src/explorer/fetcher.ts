import { createClient, type Client } from "graphql-ws";
import { bearer, socketUrl } from "../shared/apiKey";

/** What GraphiQL hands a fetcher: the operation, and the headers of its headers editor. */
export interface FetcherParams {
  query: string;
  operationName?: string | null;
  variables?: unknown;
}
export interface FetcherOptions {
  headers?: Record<string, unknown>;
}
type Result = Record<string, unknown>;

function isSubscription(query: string, operationName?: string | null): boolean {
  const operations = [...query.matchAll(/\b(query|mutation|subscription)\s*([_A-Za-z][_0-9A-Za-z]*)?/g)];
  const chosen = operationName ? operations.find((m) => m[2] === operationName) : operations[0];
  return chosen?.[1] === "subscription";
}

/**
 * A GraphiQL fetcher for LogoLab: queries and mutations as POST /graphql on this origin,
 * subscriptions over graphql-ws on /graphql; both carry the API key (or the headers editor's
 * `authorization`, which wins).
 */
export function createLogoLabFetcher(apiKey: () => string) {
  let socket: { client: Client; authorization: string | undefined } | undefined;

  function socketFor(authorization: string | undefined): Client {
    if (socket && socket.authorization === authorization) return socket.client;
    void socket?.client.dispose();
    const client = createClient({
      url: socketUrl(),
      connectionParams: authorization ? { authorization } : {},
      lazy: true,
    });
    socket = { client, authorization };
    return client;
  }

  return (params: FetcherParams, options?: FetcherOptions): Promise<Result> | AsyncIterable<Result> => {
    const edited = Object.fromEntries(
      Object.entries(options?.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]),
    );
    const authorization = edited.authorization ?? bearer(apiKey());
    if (isSubscription(params.query, params.operationName)) {
      return socketFor(authorization).iterate({
        query: params.query,
        operationName: params.operationName ?? undefined,
        variables: (params.variables as Record<string, unknown>) ?? undefined,
      }) as AsyncIterable<Result>;
    }
    return fetch("/graphql", {
      method: "POST",
      headers: {
        ...edited,
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        ...(authorization ? { authorization } : {}),
      },
      body: JSON.stringify(params),
    }).then((response) => response.json() as Promise<Result>);
  };
}

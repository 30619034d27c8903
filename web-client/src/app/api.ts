import { Client, cacheExchange, fetchExchange, type CombinedError } from "@urql/core";
import { createClient, type Client as SocketClient } from "graphql-ws";
import { bearer, socketUrl } from "../shared/apiKey";

/** The urql client of one API key: POST /graphql on this origin. */
export function createApiClient(apiKey: string): Client {
  const authorization = bearer(apiKey);
  return new Client({
    url: "/graphql",
    exchanges: [cacheExchange, fetchExchange],
    requestPolicy: "cache-and-network",
    fetchOptions: () => ({
      headers: {
        ...(authorization ? { authorization } : {}),
        // Apollo's CSRF guard wants it on multipart requests; harmless on JSON ones.
        "apollo-require-preflight": "true",
      },
    }),
  });
}

/** The graphql-ws client of one API key (subscriptions); reconnects forever with backoff. */
export function createSocket(apiKey: string): SocketClient {
  const authorization = bearer(apiKey);
  return createClient({
    url: socketUrl(),
    connectionParams: authorization ? { authorization } : {},
    lazy: true,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
  });
}

/** What went wrong with a request, in the terms the UI shows. */
export type Failure =
  | { kind: "unauthenticated"; message: string }
  | { kind: "forbidden"; message: string }
  | { kind: "down"; message: string }
  | { kind: "invalid"; message: string; field?: string }
  | { kind: "other"; message: string };

export function failureOf(error: CombinedError | undefined): Failure | undefined {
  if (!error) return undefined;
  const first = error.graphQLErrors[0];
  const code = first?.extensions?.code;
  if (first && code === "UNAUTHENTICATED") return { kind: "unauthenticated", message: first.message };
  if (first && code === "FORBIDDEN") return { kind: "forbidden", message: first.message };
  if (first && code === "BAD_USER_INPUT") {
    const field = first.extensions?.field;
    return { kind: "invalid", message: first.message, field: typeof field === "string" ? field : undefined };
  }
  if (first) return { kind: "other", message: first.message };
  return { kind: "down", message: error.networkError?.message ?? error.message };
}

/** Fetches an API-served image (thumbnails need the key, which an <img src> cannot send) as a blob URL. */
export async function fetchImage(url: string, apiKey: string): Promise<string> {
  const authorization = bearer(apiKey);
  const response = await fetch(url, { headers: authorization ? { authorization } : {} });
  if (!response.ok) throw new Error(`${response.status}`);
  return URL.createObjectURL(await response.blob());
}

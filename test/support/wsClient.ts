import { createClient, type Client } from "graphql-ws";
import WebSocket from "ws";

/** A graphql-ws client authenticated with `key` (none when undefined). */
export function wsClient(graphqlUrl: string, key?: string): Client {
  return createClient({
    url: graphqlUrl.replace(/^http/, "ws"),
    webSocketImpl: WebSocket,
    connectionParams: key ? { authorization: `Bearer ${key}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}

/** Collects every result of a subscription until it completes; rejects with the errors of a failed one. */
export function collect<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
  onEach: (value: T) => void = () => {},
): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const values: T[] = [];
    client.subscribe<T>(
      { query, variables },
      {
        next: (value) => {
          if (value.errors) {
            reject(value.errors);
            return;
          }
          values.push(value.data as T);
          onEach(value.data as T);
        },
        error: reject,
        complete: () => resolve(values),
      },
    );
  });
}

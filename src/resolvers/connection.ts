import type { ConnectionValue } from "../schema/connection";
import type { Page } from "../experiments/pagination";

type LazyConnection<T> = Omit<ConnectionValue<T>, "totalCount"> & { readonly totalCount: Promise<number> };

/** A service page as a Relay connection; `countAll` runs only if `totalCount` is selected. */
export function toConnection<T>(page: Page<T>, countAll: () => Promise<number>): LazyConnection<T> {
  return {
    edges: page.nodes.map((node, i) => ({ node, cursor: page.cursors[i] })),
    nodes: page.nodes,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: page.cursors[0] ?? null,
      endCursor: page.cursors[page.cursors.length - 1] ?? null,
    },
    // A getter, so the count query runs only when the field is resolved.
    get totalCount() {
      return countAll();
    },
  };
}

/**
 * Maps `items` through an async function with at most `concurrency` calls in flight; results keep
 * the order of `items`. Keeping a few sharp calls in flight uses libvips' threads without letting
 * thousands of decodes pile up in memory. After a call fails no new call starts, and the promise
 * rejects with the first failure only once the calls in flight have settled, so a caller's
 * clean-up (removing a half-written folder) never races a call still writing into it.
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  async function worker(): Promise<void> {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  }
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, () => worker());
  await Promise.all(workers);
  if (failure !== undefined) throw failure.error;
  return results;
}

/** Latency and throughput of one closed-loop load phase. */
export interface LoadResult {
  concurrency: number;
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
}

/** The q-quantile (0…1) of ascending `sortedMs` by nearest rank. */
export function quantile(sortedMs: readonly number[], q: number): number {
  if (sortedMs.length === 0) return Number.NaN;
  const rank = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil(q * sortedMs.length) - 1));
  return sortedMs[rank];
}

/** Summary of latencies `ms` (any order) over `seconds`. */
export function summarise(
  concurrency: number,
  latenciesMs: number[],
  errors: number,
  seconds: number,
): LoadResult {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return {
    concurrency,
    requests: sorted.length,
    errors,
    seconds,
    requestsPerSecond: sorted.length / seconds,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    meanMs: sorted.reduce((sum, ms) => sum + ms, 0) / Math.max(1, sorted.length),
  };
}

/** Raw measurements of one or more closed-loop slices. */
export interface LoadSample {
  latenciesMs: number[];
  errors: number;
  seconds: number;
}

/**
 * Closed-loop load: `concurrency` clients each send request i, wait for its answer and send the next,
 * for `durationMs`. Requests still running at the deadline finish and count; a client starts no new
 * request after it. Errors are counted, not timed.
 */
export async function closedLoop(
  concurrency: number,
  durationMs: number,
  request: (i: number) => Promise<unknown>,
): Promise<LoadSample> {
  const latenciesMs: number[] = [];
  let errors = 0;
  let next = 0;
  let firstError: unknown;
  const startedAt = performance.now();
  const deadline = startedAt + durationMs;
  const client = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const sentAt = performance.now();
      try {
        await request(next++);
        latenciesMs.push(performance.now() - sentAt);
      } catch (error) {
        errors++;
        firstError ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  if (errors > 0) process.stderr.write(`[bench:serve] ${errors} errors, first: ${String(firstError)}\n`);
  return { latenciesMs, errors, seconds: (performance.now() - startedAt) / 1000 };
}

/** Something to put under load: a name and how to send request i. */
export interface Contender {
  name: string;
  request(i: number): Promise<unknown>;
}

/**
 * Runs every contender for `totalMs` at `concurrency`, cut into `slices` alternating turns (the
 * order reversed every round), so drift in a shared machine's load hits all of them alike.
 */
export async function interleavedLoad(
  contenders: readonly Contender[],
  concurrency: number,
  totalMs: number,
  slices: number,
): Promise<Map<string, LoadResult>> {
  const samples = new Map<string, LoadSample>(
    contenders.map((c) => [c.name, { latenciesMs: [], errors: 0, seconds: 0 }]),
  );
  for (let round = 0; round < slices; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) {
      const sample = await closedLoop(concurrency, totalMs / slices, (i) => contender.request(i));
      const total = samples.get(contender.name)!;
      total.latenciesMs.push(...sample.latenciesMs);
      total.errors += sample.errors;
      total.seconds += sample.seconds;
    }
  }
  return new Map(
    [...samples].map(([name, sample]) => [
      name,
      summarise(concurrency, sample.latenciesMs, sample.errors, sample.seconds),
    ]),
  );
}

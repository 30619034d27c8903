import { MicroBatcher } from "../microBatcher";

/** A batcher that doubles numbers and records each batch it ran. */
function doubler(maxBatchSize: number, maxQueueDelayMs: number) {
  const batches: number[][] = [];
  const batcher = new MicroBatcher<number, number>({ maxBatchSize, maxQueueDelayMs }, async (inputs) => {
    batches.push(inputs);
    await new Promise((resolve) => setTimeout(resolve, 5));
    return inputs.map((x) => 2 * x);
  });
  return { batcher, batches };
}

describe("MicroBatcher", () => {
  it("runs inputs queued together as one batch and answers each with its own output", async () => {
    const { batcher, batches } = doubler(8, 50);
    const tickets = [1, 2, 3].map(() => batcher.expect());
    const outputs = Promise.all(tickets.map((ticket, i) => ticket.submit(i + 1)));
    expect(await outputs).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it("splits at maxBatchSize and runs what queued meanwhile as the next batch", async () => {
    const { batcher, batches } = doubler(2, 50);
    const outputs = await Promise.all([1, 2, 3, 4, 5].map((x) => batcher.submit(x)));
    expect(outputs).toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([[1], [2, 3], [4, 5]]);
  });

  it("waits at most maxQueueDelayMs for an announced input that is still being prepared", async () => {
    const { batcher, batches } = doubler(8, 20);
    const late = batcher.expect();
    const startedAt = performance.now();
    const first = await batcher.submit(1);
    const waitedMs = performance.now() - startedAt;
    expect(first).toBe(2);
    expect(waitedMs).toBeGreaterThanOrEqual(18);
    expect(await late.submit(7)).toBe(14);
    expect(batches).toEqual([[1], [7]]);
  });

  it("runs at once when the only announced input is cancelled", async () => {
    const { batcher, batches } = doubler(8, 10_000);
    const failed = batcher.expect();
    const output = batcher.submit(4);
    failed.cancel();
    expect(await output).toBe(8);
    expect(batches).toEqual([[4]]);
  });

  it("rejects every input of a failed batch and keeps serving later ones", async () => {
    let shouldFail = true;
    const batcher = new MicroBatcher<number, number>(
      { maxBatchSize: 4, maxQueueDelayMs: 1 },
      async (inputs) => {
        if (shouldFail) throw new Error("forward pass failed");
        return inputs;
      },
    );
    const tickets = [batcher.expect(), batcher.expect()];
    const failed = Promise.allSettled(tickets.map((ticket, i) => ticket.submit(i)));
    expect((await failed).map((result) => result.status)).toEqual(["rejected", "rejected"]);
    shouldFail = false;
    expect(await batcher.submit(9)).toBe(9);
  });

  it("refuses a ticket used twice", () => {
    const { batcher } = doubler(1, 0);
    const ticket = batcher.expect();
    ticket.cancel();
    expect(() => ticket.cancel()).toThrow("batch ticket already used");
  });

  it("runs up to maxConcurrentBatches batches at once, one per inference thread", async () => {
    const releases: (() => void)[] = [];
    const started: number[][] = [];
    const runner = (inputs: number[]) =>
      new Promise<number[]>((resolve) => {
        started.push(inputs);
        releases.push(() => resolve(inputs.map((x) => x * 10)));
      });
    const batcher = new MicroBatcher<number, number>(
      { maxBatchSize: 2, maxQueueDelayMs: 0, maxConcurrentBatches: 2 },
      runner,
    );
    const tickets = [1, 2, 3, 4, 5, 6].map(() => batcher.expect());
    const outputs = Promise.all(tickets.map((ticket, i) => ticket.submit(i + 1)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([
      [1, 2],
      [3, 4],
    ]);
    releases.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    while (releases.length > 0) releases.shift()!();
    expect(await outputs).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it("runs one batch at a time by default", async () => {
    let running = 0;
    let mostRunning = 0;
    const batcher = new MicroBatcher<number, number>(
      { maxBatchSize: 1, maxQueueDelayMs: 0 },
      async (inputs) => {
        running++;
        mostRunning = Math.max(mostRunning, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return inputs;
      },
    );
    await Promise.all([1, 2, 3, 4].map((x) => batcher.submit(x)));
    expect(mostRunning).toBe(1);
  });
});

import { mapConcurrently } from "../mapConcurrently";

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it("keeps the order of the items with several calls in flight", async () => {
  const doubled = await mapConcurrently([5, 1, 3, 2], 2, async (n) => {
    await tick(n);
    return n * 2;
  });
  expect(doubled).toEqual([10, 2, 6, 4]);
});

it("starts no call after one fails, and rejects only once the calls in flight have settled", async () => {
  const events: string[] = [];
  const mapping = mapConcurrently([0, 1, 2, 3, 4, 5], 3, async (n) => {
    events.push(`start ${n}`);
    if (n === 0) throw new Error("item 0 is broken");
    await tick(20);
    events.push(`end ${n}`);
    return n;
  });
  await expect(mapping).rejects.toThrow("item 0 is broken");
  events.push("rejected");
  expect(events).toEqual(["start 0", "start 1", "start 2", "end 1", "end 2", "rejected"]);
});

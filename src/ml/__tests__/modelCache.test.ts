import { ModelCache } from "../modelCache";

/** A cache of fake models of `sizes[key]` bytes, recording loads and disposals. */
function fakeCache(capacityBytes: number, sizes: Record<string, number>) {
  const loaded: string[] = [];
  const disposed: string[] = [];
  const cache = new ModelCache<string>({
    capacityBytes,
    load: async (key) => {
      loaded.push(key);
      await new Promise((resolve) => setImmediate(resolve));
      if (!(key in sizes)) throw new Error(`no model ${key}`);
      return { value: `model ${key}`, bytes: sizes[key] };
    },
    dispose: (value) => void disposed.push(value),
  });
  return { cache, loaded, disposed };
}

async function use(cache: ModelCache<string>, key: string): Promise<string> {
  const lease = await cache.acquire(key);
  lease.release();
  return lease.value;
}

describe("ModelCache", () => {
  it("evicts the least recently used models once their bytes exceed the capacity", async () => {
    const { cache, loaded, disposed } = fakeCache(100, { a: 40, b: 40, c: 40 });
    await use(cache, "a");
    await use(cache, "b");
    await use(cache, "a"); // a is now more recent than b
    await use(cache, "c");
    expect(loaded).toEqual(["a", "b", "c"]);
    expect(disposed).toEqual(["model b"]);
    expect([cache.size, cache.bytes, cache.evictions]).toEqual([2, 80, 1]);
    expect(cache.has("b")).toBe(false);
  });

  it("keeps a model larger than the capacity until the next one loads", async () => {
    const { cache, disposed } = fakeCache(10, { big: 50, small: 5 });
    expect(await use(cache, "big")).toBe("model big");
    expect(cache.size).toBe(1);
    await use(cache, "small");
    expect(disposed).toEqual(["model big"]);
  });

  it("shares one load between concurrent requests", async () => {
    const { cache, loaded } = fakeCache(100, { a: 10 });
    const leases = await Promise.all([cache.acquire("a"), cache.acquire("a"), cache.acquire("a")]);
    expect(loaded).toEqual(["a"]);
    leases.forEach((lease) => lease.release());
  });

  it("disposes an evicted model only after its last lease is released", async () => {
    const { cache, disposed } = fakeCache(100, { a: 10 });
    const [first, second] = await Promise.all([cache.acquire("a"), cache.acquire("a")]);
    expect(cache.evict("a")).toBe(true);
    first.release();
    first.release(); // idempotent
    expect(disposed).toEqual([]);
    second.release();
    expect(disposed).toEqual(["model a"]);
    expect(cache.evict("a")).toBe(false);
  });

  it("does not cache a failed load", async () => {
    const { cache, loaded } = fakeCache(100, {});
    await expect(cache.acquire("missing")).rejects.toThrow("no model missing");
    await expect(cache.acquire("missing")).rejects.toThrow("no model missing");
    expect(loaded).toEqual(["missing", "missing"]);
    expect(cache.size).toBe(0);
  });

  it("clear() disposes every unleased model", async () => {
    const { cache, disposed } = fakeCache(100, { a: 10, b: 10 });
    await use(cache, "a");
    await use(cache, "b");
    cache.clear();
    expect(disposed.sort()).toEqual(["model a", "model b"]);
    expect([cache.size, cache.bytes]).toEqual([0, 0]);
  });
});

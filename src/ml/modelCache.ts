/** How a {@link ModelCache} loads and frees its values. */
export interface ModelCacheOptions<Value> {
  /** Total size the cache keeps loaded, bytes; the most recently loaded model always stays. */
  capacityBytes: number;
  /** Loads the value for `key` and says how many bytes it holds. */
  load(key: string): Promise<{ value: Value; bytes: number }>;
  /** Frees a value once it is evicted and no lease holds it. */
  dispose(value: Value): void;
}

/** A value lent out by the cache; it is not disposed before `release()`. */
export interface ModelLease<Value> {
  value: Value;
  /** Idempotent. */
  release(): void;
}

interface Entry<Value> {
  key: string;
  value: Value;
  bytes: number;
  leases: number;
  isEvicted: boolean;
}

interface Loading<Value> {
  promise: Promise<Entry<Value>>;
  /** Callers awaiting this load; each gets a lease on the loaded entry. */
  waiters: { count: number };
}

/**
 * Loaded models keyed by checkpoint, least recently used evicted first once their bytes exceed the
 * capacity. Leases keep an evicted model alive until its last in-flight user releases it, so
 * eviction never pulls weights from under a running batch. Concurrent requests for a model that is
 * loading share one load; failed loads are not cached.
 */
export class ModelCache<Value> {
  // Map order is recency order: the first entry is the least recently used.
  private readonly entries = new Map<string, Entry<Value>>();
  private readonly loading = new Map<string, Loading<Value>>();
  private totalBytes = 0;
  private loadCount = 0;
  private evictionCount = 0;

  constructor(private readonly options: ModelCacheOptions<Value>) {}

  /** Models loaded and not evicted. */
  get size(): number {
    return this.entries.size;
  }

  /** Bytes of the models loaded and not evicted. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Loads so far (a model evicted and requested again counts twice). */
  get loads(): number {
    return this.loadCount;
  }

  /** Evictions so far, by capacity or by {@link evict}. */
  get evictions(): number {
    return this.evictionCount;
  }

  /** Whether `key` is loaded (without touching its recency). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** The value for `key`, loading it on first use; release the lease when done with it. */
  async acquire(key: string): Promise<ModelLease<Value>> {
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      cached.leases++;
      return this.leaseOf(cached);
    }
    let loading = this.loading.get(key);
    if (loading === undefined) {
      const waiters = { count: 0 };
      loading = { promise: this.load(key, waiters), waiters };
      this.loading.set(key, loading);
    }
    loading.waiters.count++;
    // The entry arrives with one lease per waiter already counted.
    return this.leaseOf(await loading.promise);
  }

  /** Drops `key` from the cache (disposed now, or when its last lease is released). */
  evict(key: string): boolean {
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
    this.evictionCount++;
    entry.isEvicted = true;
    if (entry.leases === 0) this.options.dispose(entry.value);
    return true;
  }

  /** Evicts everything. */
  clear(): void {
    for (const key of [...this.entries.keys()]) this.evict(key);
  }

  private async load(key: string, waiters: { count: number }): Promise<Entry<Value>> {
    let loaded: { value: Value; bytes: number };
    try {
      loaded = await this.options.load(key);
    } finally {
      this.loading.delete(key);
    }
    this.loadCount++;
    const entry: Entry<Value> = { key, ...loaded, leases: waiters.count, isEvicted: false };
    this.entries.set(key, entry);
    this.totalBytes += entry.bytes;
    this.evictOverCapacity(key);
    return entry;
  }

  private evictOverCapacity(keep: string): void {
    for (const key of [...this.entries.keys()]) {
      if (this.totalBytes <= this.options.capacityBytes) return;
      if (key !== keep) this.evict(key);
    }
  }

  private leaseOf(entry: Entry<Value>): ModelLease<Value> {
    let isReleased = false;
    return {
      value: entry.value,
      release: () => {
        if (isReleased) return;
        isReleased = true;
        entry.leases--;
        if (entry.leases === 0 && entry.isEvicted) this.options.dispose(entry.value);
      },
    };
  }
}

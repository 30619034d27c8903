import { RateLimitedError } from "../errors";

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Per-key token buckets: `ratePerSecond` sustained, `burst` at once. Kept in this process's memory,
 * so with several API replicas each enforces its own share.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** Takes one token for `key`, or throws RATE_LIMITED with the wait until the next token. */
  take(key: string): void {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedMs: now };
    bucket.tokens = Math.min(
      this.burst,
      bucket.tokens + ((now - bucket.updatedMs) / 1000) * this.ratePerSecond,
    );
    bucket.updatedMs = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      const retryAfterMs = Math.ceil(((1 - bucket.tokens) / this.ratePerSecond) * 1000);
      throw new RateLimitedError(
        `rate limit of ${this.ratePerSecond} requests/s (burst ${this.burst}) exceeded`,
        {
          retryAfterMs,
        },
      );
    }
    bucket.tokens -= 1;
  }
}

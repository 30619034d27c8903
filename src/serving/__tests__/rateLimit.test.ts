import { RateLimitedError } from "../../errors";
import { TokenBucketLimiter } from "../rateLimit";

describe("TokenBucketLimiter", () => {
  it("allows a burst, then refuses with the wait until the next token, then refills at the rate", () => {
    let now = 0;
    const limiter = new TokenBucketLimiter(2, 3, () => now);
    for (let i = 0; i < 3; i++) limiter.take("key");
    expect(() => limiter.take("key")).toThrow(RateLimitedError);
    try {
      limiter.take("key");
    } catch (error) {
      expect((error as RateLimitedError).details).toEqual({ retryAfterMs: 500 });
      expect((error as RateLimitedError).code).toBe("RATE_LIMITED");
    }
    now = 500;
    expect(() => limiter.take("key")).not.toThrow();
    expect(() => limiter.take("key")).toThrow(RateLimitedError);
  });

  it("keeps one bucket per key", () => {
    const limiter = new TokenBucketLimiter(1, 1, () => 0);
    limiter.take("a");
    expect(() => limiter.take("b")).not.toThrow();
    expect(() => limiter.take("a")).toThrow(RateLimitedError);
  });
});

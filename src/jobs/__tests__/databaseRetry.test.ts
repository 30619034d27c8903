import { isDatabaseUnreachable, retryWhileUnreachable } from "../databaseRetry";

describe("isDatabaseUnreachable", () => {
  it.each([
    Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
    Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }),
    Object.assign(new Error("the database system is starting up"), { code: "57P03" }),
    new Error("Connection terminated unexpectedly"),
    new Error("Client has encountered a connection error and is not queryable"),
    Object.assign(new Error("Invalid `prisma.run.update()` invocation"), { cause: { code: "ECONNREFUSED" } }),
  ])("recognises %s", (error) => {
    expect(isDatabaseUnreachable(error)).toBe(true);
  });

  it.each([
    Object.assign(new Error('duplicate key value violates unique constraint "runs_pkey"'), { code: "23505" }),
    new Error("the run's dataset is not available (FAILED)"),
    undefined,
  ])("leaves %s alone", (error) => {
    expect(isDatabaseUnreachable(error)).toBe(false);
  });
});

describe("retryWhileUnreachable", () => {
  const unreachable = () => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });

  it("retries through an outage and returns the first success", async () => {
    let calls = 0;
    const retries: number[] = [];
    const value = await retryWhileUnreachable(
      async () => {
        calls++;
        if (calls < 3) throw unreachable();
        return "committed";
      },
      { onRetry: (_error, attempt) => retries.push(attempt) },
    );
    expect(value).toBe("committed");
    expect(retries).toEqual([1, 2]);
  });

  it("throws any other error at once", async () => {
    let calls = 0;
    await expect(
      retryWhileUnreachable(async () => {
        calls++;
        throw new Error("constraint violated");
      }),
    ).rejects.toThrow("constraint violated");
    expect(calls).toBe(1);
  });

  it("gives up when the next wait would pass the budget, with the last error", async () => {
    let calls = 0;
    await expect(
      retryWhileUnreachable(
        async () => {
          calls++;
          throw unreachable();
        },
        { budgetMs: 600 },
      ),
    ).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(calls).toBe(2); // waits 250 ms, then 500 ms more would pass 600 ms
  });
});

/** Polls `condition` every `intervalMs` until it holds; throws after `timeoutMs`. */
export async function waitFor(
  condition: () => Promise<boolean>,
  timeoutMs = 90_000,
  intervalMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

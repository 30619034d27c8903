/** Lets through at most one event per interval, plus any event marked as final (end of epoch). */
export class ProgressThrottle {
  private lastEmitMs = -Infinity;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  shouldEmit(isFinal = false): boolean {
    const now = this.now();
    if (!isFinal && now - this.lastEmitMs < this.intervalMs) return false;
    this.lastEmitMs = now;
    return true;
  }
}

/**
 * An unbounded-in-time, bounded-in-size async queue: producers `push`, one consumer iterates.
 * When full, the oldest *droppable* item goes first (progress ticks), never a status or epoch.
 */
export class Channel<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private isClosed = false;

  constructor(
    private readonly capacity: number,
    private readonly isDroppable: (item: T) => boolean,
    private readonly onClose: () => void = () => {},
  ) {}

  /** Adds an item (or hands it straight to a waiting consumer). */
  push(item: T): void {
    if (this.isClosed) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: item, done: false });
      return;
    }
    if (this.items.length >= this.capacity) {
      const victim = this.items.findIndex(this.isDroppable);
      if (victim >= 0) this.items.splice(victim, 1);
    }
    this.items.push(item);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
    if (this.isClosed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  /** Ends iteration (also what `for await … break` calls). */
  return(): Promise<IteratorResult<T>> {
    if (!this.isClosed) {
      this.isClosed = true;
      this.items.length = 0;
      this.waiting?.({ value: undefined, done: true });
      this.waiting = undefined;
      this.onClose();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

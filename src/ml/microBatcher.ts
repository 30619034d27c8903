/** Batch limits of a {@link MicroBatcher}. */
export interface MicroBatcherOptions {
  /** Most inputs in one batch (1 = every input runs alone). */
  maxBatchSize: number;
  /** Longest an input waits for others to join its batch, ms. */
  maxQueueDelayMs: number;
}

/** Runs one batch: one output per input, in input order. */
export type BatchRunner<Input, Output> = (inputs: Input[]) => Promise<Output[]>;

/** A place in the next batches reserved while its input is still being prepared (decoded). */
export interface BatchTicket<Input, Output> {
  /** Queues the input; resolves with its output once its batch has run. */
  submit(input: Input): Promise<Output>;
  /** Gives the place up (preparation failed), so no batch waits for it. */
  cancel(): void;
}

interface QueuedInput<Input, Output> {
  input: Input;
  enqueuedAt: number;
  resolve: (output: Output) => void;
  reject: (error: unknown) => void;
}

/**
 * Dynamic micro-batching in the manner of Triton's dynamic batcher: inputs queue until
 * `maxBatchSize` are waiting or the oldest has waited `maxQueueDelayMs`, then run as one batch;
 * batches run one at a time and whatever queued meanwhile forms the next. One difference: when no
 * announced input is still being prepared ({@link expect}), nothing is known to be coming, so the
 * queue runs at once instead of idling for the delay (a lone request pays no batching latency).
 */
export class MicroBatcher<Input, Output> {
  private readonly queue: QueuedInput<Input, Output>[] = [];
  private announced = 0;
  private isRunning = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: MicroBatcherOptions,
    private readonly runBatch: BatchRunner<Input, Output>,
  ) {}

  /** Inputs queued and not yet in a running batch. */
  get queueLength(): number {
    return this.queue.length;
  }

  /** Reserves a place for an input that is still being prepared. */
  expect(): BatchTicket<Input, Output> {
    this.announced++;
    let isSettled = false;
    const settle = (): void => {
      if (isSettled) throw new Error("batch ticket already used");
      isSettled = true;
      this.announced--;
    };
    return {
      submit: (input) => {
        settle();
        return this.enqueue(input);
      },
      cancel: () => {
        settle();
        this.schedule();
      },
    };
  }

  /** Queues an input that is ready now. */
  submit(input: Input): Promise<Output> {
    return this.expect().submit(input);
  }

  private enqueue(input: Input): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      this.queue.push({ input, enqueuedAt: performance.now(), resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.isRunning || this.queue.length === 0) return;
    if (this.queue.length >= this.options.maxBatchSize || this.announced === 0) {
      void this.runNext();
      return;
    }
    if (this.timer !== undefined) return;
    const waitMs = this.queue[0].enqueuedAt + this.options.maxQueueDelayMs - performance.now();
    this.timer = setTimeout(() => void this.runNext(), Math.max(0, waitMs));
  }

  private async runNext(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.isRunning || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatchSize);
    this.isRunning = true;
    try {
      const outputs = await this.runBatch(batch.map((queued) => queued.input));
      batch.forEach((queued, i) => queued.resolve(outputs[i]));
    } catch (error) {
      for (const queued of batch) queued.reject(error);
    } finally {
      this.isRunning = false;
      this.schedule();
    }
  }
}

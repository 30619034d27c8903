/** Batch limits of a {@link MicroBatcher}. */
export interface MicroBatcherOptions {
  /** Most inputs in one batch (1 = every input runs alone). */
  maxBatchSize: number;
  /** Longest an input waits for others to join its batch, ms. */
  maxQueueDelayMs: number;
  /** Batches running at once (one per inference thread; default 1). */
  maxConcurrentBatches?: number;
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
 * up to `maxConcurrentBatches` batches run at once (one per inference thread) and whatever queued
 * meanwhile forms the next. One difference: when no
 * announced input is still being prepared ({@link expect}), nothing is known to be coming, so the
 * queue runs at once instead of idling for the delay (a lone request pays no batching latency).
 */
export class MicroBatcher<Input, Output> {
  private readonly queue: QueuedInput<Input, Output>[] = [];
  private announced = 0;
  private running = 0;
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

  private get maxConcurrentBatches(): number {
    return this.options.maxConcurrentBatches ?? 1;
  }

  private schedule(): void {
    while (this.running < this.maxConcurrentBatches && this.queue.length > 0) {
      if (this.queue.length >= this.options.maxBatchSize || this.announced === 0) {
        this.startBatch();
        continue;
      }
      if (this.timer !== undefined) return;
      const waitMs = this.queue[0].enqueuedAt + this.options.maxQueueDelayMs - performance.now();
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          if (this.running < this.maxConcurrentBatches && this.queue.length > 0) this.startBatch();
          this.schedule();
        },
        Math.max(0, waitMs),
      );
      return;
    }
  }

  private startBatch(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue.splice(0, this.options.maxBatchSize);
    this.running++;
    // A runner that throws at once rejects its batch like one whose promise rejects.
    void new Promise<Output[]>((resolve) => resolve(this.runBatch(batch.map((queued) => queued.input))))
      .then(
        (outputs) => batch.forEach((queued, i) => queued.resolve(outputs[i])),
        (error: unknown) => {
          for (const queued of batch) queued.reject(error);
        },
      )
      .finally(() => {
        this.running--;
        this.schedule();
      });
  }
}

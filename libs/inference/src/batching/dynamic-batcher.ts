export interface BatcherOptions {
  /** Most items run together. 1 turns batching off. */
  maxBatchSize: number;
  /** Longest an item waits for others before its batch runs. */
  maxDelayMs: number;
  /** Batches in flight at once per batcher (the model's own threads do the parallel work). */
  maxConcurrentBatches: number;
}

export interface BatchObserver {
  /** Called once per executed batch. */
  onBatch?(size: number, waitMs: number, runMs: number): void;
}

interface Pending<I, O> {
  item: I;
  enqueuedAt: number;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Collects requests and runs them together: a batch starts when `maxBatchSize` items of one shape are waiting
 * or when the oldest has waited `maxDelayMs`, and a free slot exists. While all slots are busy, requests keep
 * queueing, so under load batches fill up on their own. Only items with the same
 * `keyOf` (e.g. the input tensor shape) share a batch. `run` must return one result per item, in order; if it
 * throws, every item of that batch fails with the error and the batcher carries on.
 */
export class DynamicBatcher<I, O> {
  private readonly queues = new Map<string, Array<Pending<I, O>>>();
  private readonly order: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly keyOf: (item: I) => string,
    private readonly options: BatcherOptions,
    private readonly observer: BatchObserver = {},
  ) {
    if (options.maxBatchSize < 1 || options.maxConcurrentBatches < 1 || options.maxDelayMs < 0) {
      throw new Error('DynamicBatcher: maxBatchSize and maxConcurrentBatches must be >= 1, maxDelayMs >= 0');
    }
  }

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      const key = this.keyOf(item);
      let queue = this.queues.get(key);
      if (!queue) {
        queue = [];
        this.queues.set(key, queue);
        this.order.push(key);
      }
      queue.push({ item, enqueuedAt: performance.now(), resolve, reject });
      this.pump();
    });
  }

  /** Items waiting (not yet in a running batch). */
  get waiting(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  private pump(): void {
    while (this.running < this.options.maxConcurrentBatches) {
      const key = this.nextReadyKey();
      if (key === undefined) break;
      this.start(key);
    }
    this.schedule();
  }

  /** A full queue first; else the queue whose oldest item has waited long enough. */
  private nextReadyKey(): string | undefined {
    const now = performance.now();
    let due: string | undefined;
    for (const key of this.order) {
      const queue = this.queues.get(key);
      if (!queue?.length) continue;
      if (queue.length >= this.options.maxBatchSize) return key;
      if (due === undefined && now - (queue[0] as Pending<I, O>).enqueuedAt >= this.options.maxDelayMs)
        due = key;
    }
    return due;
  }

  private start(key: string): void {
    const queue = this.queues.get(key) as Array<Pending<I, O>>;
    const batch = queue.splice(0, this.options.maxBatchSize);
    if (queue.length === 0) {
      this.queues.delete(key);
      this.order.splice(this.order.indexOf(key), 1);
    }
    this.running++;
    const startedAt = performance.now();
    const waitMs = startedAt - (batch[0] as Pending<I, O>).enqueuedAt;
    void (async () => {
      try {
        const results = await this.run(batch.map((p) => p.item));
        if (results.length !== batch.length)
          throw new Error(`batch of ${batch.length} returned ${results.length} results`);
        this.observer.onBatch?.(batch.length, waitMs, performance.now() - startedAt);
        batch.forEach((p, i) => p.resolve(results[i] as O));
      } catch (error) {
        batch.forEach((p) => p.reject(error));
      } finally {
        this.running--;
        this.pump();
      }
    })();
  }

  private schedule(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.running >= this.options.maxConcurrentBatches) return; // the finishing batch pumps again
    let oldest = Infinity;
    for (const queue of this.queues.values())
      if (queue.length) oldest = Math.min(oldest, (queue[0] as Pending<I, O>).enqueuedAt);
    if (oldest === Infinity) return;
    const delay = Math.max(0, oldest + this.options.maxDelayMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, delay);
  }
}

/** Refused because both the computing slots and the queue are full. */
export class SaturatedError extends Error {
  constructor(
    readonly running: number,
    readonly queued: number,
  ) {
    super(`compute-image is saturated (${running} computing, ${queued} queued); retry with backoff`);
    this.name = 'SaturatedError';
  }
}

/**
 * Bounds concurrent Apply calls: decoded images are large, so N at once keeps memory predictable and
 * libvips' own threads busy; a bounded queue absorbs bursts; beyond it callers are told to back off.
 */
export class ApplyLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly maxConcurrent: number,
    private readonly maxQueued: number,
  ) {}

  get stats() {
    return { running: this.running, queued: this.waiting.length };
  }

  /** Runs `task` when a slot frees up; `stillWanted` is asked just before it starts (deadline, cancel). */
  async run<T>(task: () => Promise<T>, stillWanted: () => void = () => undefined): Promise<T> {
    if (this.running >= this.maxConcurrent) {
      if (this.waiting.length >= this.maxQueued) throw new SaturatedError(this.running, this.waiting.length);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      stillWanted();
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `running` stays accurate.
      if (next) next();
      else this.running--;
    }
  }
}

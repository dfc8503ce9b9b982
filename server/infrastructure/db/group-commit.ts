type Waiting<Item, Result> = {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
};

/**
 * Runs concurrent requests as one statement (group commit). A request that arrives while no batch
 * is in flight runs at once, alone: no timer, so a quiet system pays no extra latency. Requests
 * that arrive while a batch is in flight wait for it, then go together in the next one. Under a
 * burst of N concurrent requests the round trips per request fall towards 1/N, and every caller
 * still hears back only once its own row is committed.
 *
 * A batch that fails is retried one request at a time, so one bad request fails alone.
 */
export class GroupCommit<Item, Result> {
  readonly #run: (items: Item[]) => Promise<Result[]>;
  readonly #maxBatch: number;
  #waiting: Array<Waiting<Item, Result>> = [];
  #flushing = false;

  /** `run` returns one result per item, in the items' order. */
  constructor(run: (items: Item[]) => Promise<Result[]>, options: { maxBatch?: number } = {}) {
    this.#run = run;
    this.#maxBatch = options.maxBatch ?? 256;
  }

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      if (!this.#flushing) void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, this.#maxBatch);
        await this.#settle(batch);
      }
    } finally {
      this.#flushing = false;
    }
  }

  async #settle(batch: Array<Waiting<Item, Result>>): Promise<void> {
    try {
      const results = await this.#run(batch.map((waiting) => waiting.item));
      batch.forEach((waiting, index) => waiting.resolve(results[index]!));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      for (const waiting of batch) await this.#settle([waiting]);
    }
  }
}

/** Samples this process's resident set size (the importer only: simulators run in children). */
export class RssSampler {
  #timer: NodeJS.Timeout | null = null;
  peakBytes = 0;
  readonly samples: Array<{ atMs: number; rssBytes: number }> = [];
  #startedAt = 0;

  start(intervalMs = 100): this {
    this.#startedAt = performance.now();
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
    return this;
  }

  sample(): number {
    const rssBytes = process.memoryUsage.rss();
    this.peakBytes = Math.max(this.peakBytes, rssBytes);
    this.samples.push({ atMs: performance.now() - this.#startedAt, rssBytes });
    return rssBytes;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.sample();
  }
}

export const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);

export async function timed<T>(operation: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const startedAt = performance.now();
  const result = await operation();
  return { result, ms: performance.now() - startedAt };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export const fmt = (value: number, digits = 0): string =>
  value.toLocaleString('en-GB', { maximumFractionDigits: digits, minimumFractionDigits: digits });

import { afterEach, describe, expect, it, vi } from 'vitest';
import { RequestPacer } from './request-pacer.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('RequestPacer', () => {
  it('holds writes to their own budget (Street: 100 writes within 600 requests a minute) without slowing reads', async () => {
    vi.useFakeTimers();
    const pacer = new RequestPacer({ requests: 10, windowSeconds: 60, writeRequests: 2 });
    const started: string[] = [];
    const request = (name: string, write: boolean) =>
      pacer.run(async () => void started.push(name), { write });
    await request('write-1', true);
    await request('write-2', true);
    const third = request('write-3', true);
    await request('read-1', false);
    await request('read-2', false);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toEqual(['write-1', 'write-2', 'read-1', 'read-2']);
    // The third write goes once the first has been out of the window for a full minute.
    await vi.advanceTimersByTimeAsync(61_000);
    await third;
    expect(started.at(-1)).toBe('write-3');
  });

  it('keeps the total budget ahead of 429s, and pauses everything for a Retry-After', async () => {
    vi.useFakeTimers();
    const pacer = new RequestPacer({ requests: 3, windowSeconds: 1, maxConcurrent: 5 });
    const started: number[] = [];
    const all = Array.from({ length: 5 }, (_, index) => pacer.run(async () => void started.push(index)));
    await vi.advanceTimersByTimeAsync(10);
    expect(started).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1_100);
    await Promise.all(all);
    expect(started).toHaveLength(5);
    pacer.holdFor(5_000);
    const held = pacer.run(async () => void started.push(99));
    await vi.advanceTimersByTimeAsync(4_000);
    expect(started).not.toContain(99);
    await vi.advanceTimersByTimeAsync(2_000);
    await held;
    expect(started).toContain(99);
  });
});

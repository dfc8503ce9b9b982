import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit.ts';

/** A batch runner whose statements finish when the test says so. */
function controlledRunner() {
  const batches: number[][] = [];
  const releases: Array<() => void> = [];
  const run = async (items: number[]) => {
    batches.push(items);
    await new Promise<void>((resolve) => releases.push(resolve));
    if (items.includes(13)) throw new Error('item 13 is refused');
    return items.map((item) => item * 10);
  };
  return { batches, releases, run };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit', () => {
  it('runs a lone request at once, and the requests that arrive meanwhile together in the next batch', async () => {
    const runner = controlledRunner();
    const group = new GroupCommit(runner.run);
    const first = group.submit(1);
    await tick();
    expect(runner.batches).toEqual([[1]]);
    const later = [2, 3, 4].map((item) => group.submit(item));
    await tick();
    // Still one statement in flight: the three wait for it.
    expect(runner.batches).toEqual([[1]]);
    runner.releases.shift()!();
    expect(await first).toBe(10);
    await tick();
    expect(runner.batches).toEqual([[1], [2, 3, 4]]);
    runner.releases.shift()!();
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
  });

  it('caps a batch, and the rest follow in the next one', async () => {
    const runner = controlledRunner();
    const group = new GroupCommit(runner.run, { maxBatch: 2 });
    const all = [1, 2, 3, 4, 5].map((item) => group.submit(item));
    for (let released = 0; released < 3; released++) {
      await tick();
      runner.releases.shift()!();
    }
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40, 50]);
    expect(runner.batches).toEqual([[1], [2, 3], [4, 5]]);
  });

  it('retries a failed batch one request at a time, so only the bad request fails', async () => {
    const runner = controlledRunner();
    const group = new GroupCommit(runner.run);
    const first = group.submit(1);
    const others = [12, 13, 14].map((item) =>
      group.submit(item).then(String, (error: Error) => error.message),
    );
    for (let released = 0; released < 5; released++) {
      await tick();
      runner.releases.shift()?.();
    }
    expect(await first).toBe(10);
    expect(await Promise.all(others)).toEqual(['120', 'item 13 is refused', '140']);
    expect(runner.batches).toEqual([[1], [12, 13, 14], [12], [13], [14]]);
  });
});

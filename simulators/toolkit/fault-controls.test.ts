import { describe, expect, it } from 'vitest';
import { FaultControls } from './fault-controls.ts';

describe('FaultControls', () => {
  it('is deterministic for a seed', () => {
    const run = () => {
      const faults = new FaultControls({ seed: 5 });
      faults.configure({ errorRate: 0.3, errorStatuses: [500, 503], latencyMs: 10, latencyJitterMs: 20 });
      return Array.from({ length: 50 }, () => faults.decide('GET', '/contacts'));
    };
    const first = run();
    expect(run()).toEqual(first);
    const errors = first.filter((decision) => decision.action.kind === 'status');
    expect(errors.length).toBeGreaterThan(5);
    expect(errors.length).toBeLessThan(30);
    expect(first.every((decision) => decision.delayMs >= 10 && decision.delayMs <= 30)).toBe(true);
  });

  it('fails the next N matching requests, then passes', () => {
    const faults = new FaultControls();
    faults.failNext(2, 503, { method: 'PATCH' });
    faults.dropNext(1, { pathPrefix: '/token' });
    expect(faults.decide('GET', '/contacts').action).toEqual({ kind: 'pass' });
    expect(faults.decide('PATCH', '/contacts/1').action).toEqual({ kind: 'status', status: 503 });
    expect(faults.decide('POST', '/token').action).toEqual({ kind: 'drop' });
    expect(faults.decide('PATCH', '/contacts/1').action).toEqual({ kind: 'status', status: 503 });
    expect(faults.decide('PATCH', '/contacts/1').action).toEqual({ kind: 'pass' });
    faults.revokeCredential('app');
    expect(faults.isRevoked('app')).toBe(true);
    faults.clear();
    expect(faults.isRevoked('app')).toBe(false);
    expect(faults.snapshot().pending).toEqual([]);
  });
});

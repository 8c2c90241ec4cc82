import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RefreshLease } from '../stores/refresh-coordinator';
import { keepLease } from './lease';

afterEach(() => {
  vi.useRealTimers();
});

function lease(answers: (boolean | Error)[]): RefreshLease & { renewals: number } {
  const l = {
    renewals: 0,
    async renew() {
      const answer = answers[l.renewals++] ?? true;
      if (answer instanceof Error) throw answer;
      return answer;
    },
    async release() {},
  };
  return l;
}

describe('keepLease', () => {
  it('renews every third of the TTL until stopped', async () => {
    vi.useFakeTimers();
    const l = lease([]);
    const report = { renewed: vi.fn(), lost: vi.fn() };
    const keeper = keepLease(l, 3, report);
    await vi.advanceTimersByTimeAsync(999);
    expect(l.renewals).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(l.renewals).toBe(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(l.renewals).toBe(4);
    expect(report.renewed).toHaveBeenCalledTimes(4);
    keeper.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(l.renewals).toBe(4);
    expect(report.lost).not.toHaveBeenCalled();
  });

  it('retries after a renewal that threw, and reports a lost lease once, then stops renewing', async () => {
    vi.useFakeTimers();
    const l = lease([new Error('unreachable'), true, false]);
    const report = { renewed: vi.fn(), lost: vi.fn() };
    keepLease(l, 3, report);
    await vi.advanceTimersByTimeAsync(3000);
    expect(l.renewals).toBe(3);
    expect(report.renewed).toHaveBeenCalledTimes(1);
    expect(report.lost).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(l.renewals).toBe(3);
  });
});

/**
 * The contract every RateLimitStore keeps (fixed-window counters), as one suite run against each
 * implementation: in memory here, Redis in src/redis. See session-store.contract.ts.
 */
import { describe, expect, it } from 'vitest';
import type { RateLimitStore } from '../rate-limit-store';

/** How the suite gets stores and lets time pass for them. */
export interface RateLimitStoreHarness {
  /** A store over an empty backing; two calls give two instances sharing it (two app instances). */
  make(): RateLimitStore | Promise<RateLimitStore>;
  /** Lets `seconds` pass for the windows. */
  elapse(seconds: number): Promise<void>;
}

let n = 0;
const key = () => `contract:${process.pid}:${++n}:${Math.random().toString(36).slice(2)}`;

/**
 * Registers the RateLimitStore contract suite.
 *
 * @example
 * rateLimitStoreContract('memoryRateLimitStore', { make: () => shared, elapse: clock.elapse });
 */
export function rateLimitStoreContract(name: string, harness: RateLimitStoreHarness): void {
  describe(`RateLimitStore contract: ${name}`, () => {
    it('answers zero with no open window for an unknown key', async () => {
      expect(await (await harness.make()).get(key())).toEqual({ count: 0, resetIn: 0 });
    });

    it('counts increments from every instance within one window and reports the seconds left', async () => {
      const [a, b] = [await harness.make(), await harness.make()];
      const k = key();
      expect(await a.increment(k, 60)).toEqual({ count: 1, resetIn: 60 });
      const second = await b.increment(k, 60);
      expect(second.count).toBe(2);
      expect(second.resetIn).toBeGreaterThan(0);
      expect(second.resetIn).toBeLessThanOrEqual(60);
      expect((await a.get(k)).count).toBe(2);
    });

    it('opens the window with the first increment and never extends it', async () => {
      const s = await harness.make();
      const k = key();
      await s.increment(k, 2);
      await harness.elapse(1.2);
      const later = await s.increment(k, 60);
      expect(later.count).toBe(2);
      expect(later.resetIn).toBeLessThanOrEqual(1);
    });

    it('starts from zero once the window has passed', async () => {
      const s = await harness.make();
      const k = key();
      await s.increment(k, 1);
      await s.increment(k, 1);
      await harness.elapse(1.2);
      expect(await s.get(k)).toEqual({ count: 0, resetIn: 0 });
      expect((await s.increment(k, 60)).count).toBe(1);
    });

    it('takes one back on decrement, never below zero, and never opens a window', async () => {
      const s = await harness.make();
      const k = key();
      await s.increment(k, 60);
      await s.increment(k, 60);
      await s.decrement(k);
      expect((await s.get(k)).count).toBe(1);
      await s.decrement(k);
      await s.decrement(k);
      expect((await s.get(k)).count).toBe(0);
      const untouched = key();
      await s.decrement(untouched);
      expect(await s.get(untouched)).toEqual({ count: 0, resetIn: 0 });
    });

    it('forgets a key on reset and keeps keys independent', async () => {
      const s = await harness.make();
      const [k, other] = [key(), key()];
      await s.increment(k, 60);
      await s.increment(other, 60);
      await s.reset(k);
      expect((await s.get(k)).count).toBe(0);
      expect((await s.get(other)).count).toBe(1);
    });
  });
}

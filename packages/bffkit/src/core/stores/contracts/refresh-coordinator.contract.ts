/**
 * The contract every RefreshCoordinator keeps (lock + successor record), as one suite run against
 * each implementation: in memory here, Redis in src/redis. See session-store.contract.ts.
 */
import { describe, expect, it } from 'vitest';
import type { RefreshCoordinator } from '../refresh-coordinator';

/** How the suite gets coordinators and lets time pass for them. */
export interface RefreshCoordinatorHarness {
  /** A coordinator over an empty backing; two calls give two instances sharing it (two app instances). */
  make(): RefreshCoordinator | Promise<RefreshCoordinator>;
  /** Lets `seconds` pass for the lock and record TTLs. */
  elapse(seconds: number): Promise<void>;
}

let n = 0;
/** A fresh key per test: what the core passes is a hash of a refresh token. */
const key = () => `contract-${process.pid}-${++n}-${Math.random().toString(36).slice(2)}`;

/**
 * Registers the RefreshCoordinator contract suite.
 *
 * @example
 * refreshCoordinatorContract('memoryRefreshCoordinator', { make: () => shared, elapse: clock.elapse });
 */
export function refreshCoordinatorContract(name: string, harness: RefreshCoordinatorHarness): void {
  describe(`RefreshCoordinator contract: ${name}`, () => {
    it('gives the lock to one holder at a time, across instances', async () => {
      const [a, b] = [await harness.make(), await harness.make()];
      const k = key();
      const release = await a.acquire(k, 10);
      expect(release).toBeTypeOf('function');
      expect(await b.acquire(k, 10)).toBeNull();
      expect(await a.acquire(k, 10)).toBeNull();
      await release!();
      const again = await b.acquire(k, 10);
      expect(again).toBeTypeOf('function');
      await again!();
    });

    it('keeps locks of different keys apart', async () => {
      const c = await harness.make();
      const [x, y] = [await c.acquire(key(), 10), await c.acquire(key(), 10)];
      expect(x).toBeTypeOf('function');
      expect(y).toBeTypeOf('function');
    });

    it('lets an abandoned lock expire after its TTL', async () => {
      const [a, b] = [await harness.make(), await harness.make()];
      const k = key();
      expect(await a.acquire(k, 1)).toBeTypeOf('function');
      expect(await b.acquire(k, 1)).toBeNull();
      await harness.elapse(1.2);
      expect(await b.acquire(k, 1)).toBeTypeOf('function');
    });

    it('never lets a late holder release the lock someone else took after it expired', async () => {
      const [a, b] = [await harness.make(), await harness.make()];
      const k = key();
      const lateRelease = await a.acquire(k, 1);
      await harness.elapse(1.2);
      const current = await b.acquire(k, 10);
      expect(current).toBeTypeOf('function');
      await lateRelease!();
      expect(await a.acquire(k, 10)).toBeNull();
    });

    it('keeps a successor record for its TTL, shared between instances, then forgets it', async () => {
      const [a, b] = [await harness.make(), await harness.make()];
      const k = key();
      expect(await b.getSuccessor(k)).toBeNull();
      await a.setSuccessor(k, 'sealed-value', 1);
      expect(await b.getSuccessor(k)).toBe('sealed-value');
      await harness.elapse(1.2);
      expect(await a.getSuccessor(k)).toBeNull();
    });

    it('answers the latest successor record for a key', async () => {
      const c = await harness.make();
      const k = key();
      await c.setSuccessor(k, 'first', 60);
      await c.setSuccessor(k, 'second', 60);
      expect(await c.getSuccessor(k)).toBe('second');
    });
  });
}

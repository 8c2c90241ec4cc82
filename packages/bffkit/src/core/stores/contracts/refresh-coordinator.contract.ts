/**
 * The contract every RefreshCoordinator keeps (lock lease + successor record), as one suite run
 * against each implementation: in memory here, Redis (one node, Cluster, Sentinel) in src/redis and
 * tests/integration. See session-store.contract.ts.
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
const aLease = { renew: expect.any(Function), release: expect.any(Function) };

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
      const lease = await a.acquire(k, 10);
      expect(lease).toMatchObject(aLease);
      expect(await b.acquire(k, 10)).toBeNull();
      expect(await a.acquire(k, 10)).toBeNull();
      await lease!.release();
      const again = await b.acquire(k, 10);
      expect(again).toMatchObject(aLease);
      await again!.release();
    });

    it('keeps locks of different keys apart', async () => {
      const c = await harness.make();
      const [x, y] = [await c.acquire(key(), 10), await c.acquire(key(), 10)];
      expect(x).toMatchObject(aLease);
      expect(y).toMatchObject(aLease);
    });

    it('lets an abandoned lock expire after its TTL', async () => {
      const [a, b] = [await harness.make(), await harness.make()];
      const k = key();
      expect(await a.acquire(k, 1)).toMatchObject(aLease);
      expect(await b.acquire(k, 1)).toBeNull();
      await harness.elapse(1.2);
      expect(await b.acquire(k, 1)).toMatchObject(aLease);
    });

    it('never lets a late holder release the lock someone else took after it expired', async () => {
      const [a, b] = [await harness.make(), await harness.make()];
      const k = key();
      const late = await a.acquire(k, 1);
      await harness.elapse(1.2);
      const current = await b.acquire(k, 10);
      expect(current).toMatchObject(aLease);
      await late!.release();
      expect(await a.acquire(k, 10)).toBeNull();
    });

    // Short leases (half a second) keep the suite fast on a real Redis; the core renews every third of it.
    it('a renewed lease outlives its first TTL: nobody else gets the lock while the holder renews it', async () => {
      const [a, b] = [await harness.make(), await harness.make()];
      const k = key();
      const lease = await a.acquire(k, 0.5);
      for (let i = 0; i < 3; i++) {
        await harness.elapse(0.3);
        expect(await lease!.renew(0.5)).toBe(true);
        expect(await b.acquire(k, 0.5)).toBeNull();
      }
      // 0.9 s after a half-second lock was taken, it is still held; once renewals stop, it lapses.
      await harness.elapse(0.7);
      expect(await b.acquire(k, 10)).toMatchObject(aLease);
    });

    it('a lapsed lease cannot be renewed once another holder has the lock, and does not disturb it', async () => {
      const [a, b] = [await harness.make(), await harness.make()];
      const k = key();
      const late = await a.acquire(k, 0.5);
      await harness.elapse(0.7);
      const current = await b.acquire(k, 10);
      expect(await late!.renew(10)).toBe(false);
      expect(await a.acquire(k, 10)).toBeNull();
      expect(await current!.renew(10)).toBe(true);
    });

    it('a lapsed lease nobody took is not renewed either (the holder must assume another caller may be refreshing)', async () => {
      const c = await harness.make();
      const k = key();
      const lease = await c.acquire(k, 0.5);
      await harness.elapse(0.7);
      expect(await lease!.renew(10)).toBe(false);
    });

    it('a released lease cannot be renewed', async () => {
      const c = await harness.make();
      const k = key();
      const lease = await c.acquire(k, 10);
      await lease!.release();
      expect(await lease!.renew(10)).toBe(false);
      expect(await c.acquire(k, 10)).toMatchObject(aLease);
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

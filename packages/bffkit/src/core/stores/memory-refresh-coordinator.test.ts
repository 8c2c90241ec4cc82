import { describe, expect, it } from 'vitest';
import { refreshCoordinatorContract } from './contracts/refresh-coordinator.contract';
import { memoryRefreshCoordinator } from './memory-refresh-coordinator';

function msClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

{
  // One process is one instance: every "instance" of the contract is the same coordinator.
  const clock = msClock();
  const shared = memoryRefreshCoordinator({ now: clock.now });
  refreshCoordinatorContract('memoryRefreshCoordinator', { make: () => shared, elapse: async (s) => clock.advance(s * 1000) });
}

describe('memoryRefreshCoordinator: lock', () => {
  it('lets an abandoned lock expire exactly at its TTL', async () => {
    const clock = msClock();
    const c = memoryRefreshCoordinator({ now: clock.now });
    await c.acquire('k', 15);
    clock.advance(14_999);
    expect(await c.acquire('k', 15)).toBeNull();
    clock.advance(1);
    expect(await c.acquire('k', 15)).toMatchObject({ renew: expect.any(Function), release: expect.any(Function) });
  });

  it('is an in-process coordinator: not shared between instances', () => {
    expect(memoryRefreshCoordinator().shared).toBe(false);
  });
});

describe('memoryRefreshCoordinator: successor records', () => {
  it('keeps a successor until exactly its TTL', async () => {
    const clock = msClock();
    const c = memoryRefreshCoordinator({ now: clock.now });
    expect(await c.getSuccessor('k')).toBeNull();
    await c.setSuccessor('k', 'sealed', 120);
    clock.advance(119_999);
    expect(await c.getSuccessor('k')).toBe('sealed');
    clock.advance(1);
    expect(await c.getSuccessor('k')).toBeNull();
  });

  it('keeps at most maxEntries records, dropping the oldest first', async () => {
    const c = memoryRefreshCoordinator({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c', 'd', 'e']) await c.setSuccessor(k, `v-${k}`, 60);
    expect(await Promise.all(['a', 'b', 'c', 'd', 'e'].map((k) => c.getSuccessor(k)))).toEqual([null, null, 'v-c', 'v-d', 'v-e']);
  });

  it('counts a re-set record as the newest', async () => {
    const c = memoryRefreshCoordinator({ maxEntries: 2 });
    await c.setSuccessor('a', '1', 60);
    await c.setSuccessor('b', '2', 60);
    await c.setSuccessor('a', '3', 60);
    await c.setSuccessor('c', '4', 60);
    expect([await c.getSuccessor('a'), await c.getSuccessor('b'), await c.getSuccessor('c')]).toEqual(['3', null, '4']);
  });
});

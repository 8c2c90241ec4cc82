import { describe, expect, it } from 'vitest';
import { memoryRefreshCoordinator } from './refresh-coordinator';

function msClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('memoryRefreshCoordinator: lock', () => {
  it('gives the lock to one caller at a time', async () => {
    const c = memoryRefreshCoordinator();
    const release = await c.acquire('k', 15);
    expect(release).toBeTypeOf('function');
    expect(await c.acquire('k', 15)).toBeNull();
    expect(await c.acquire('other', 15)).toBeTypeOf('function');
    await release!();
    expect(await c.acquire('k', 15)).toBeTypeOf('function');
  });

  it('lets an abandoned lock expire after its TTL', async () => {
    const clock = msClock();
    const c = memoryRefreshCoordinator({ now: clock.now });
    await c.acquire('k', 15);
    clock.advance(14_999);
    expect(await c.acquire('k', 15)).toBeNull();
    clock.advance(1);
    expect(await c.acquire('k', 15)).toBeTypeOf('function');
  });

  it("never lets a late holder release the lock someone else took after it expired", async () => {
    const clock = msClock();
    const c = memoryRefreshCoordinator({ now: clock.now });
    const stale = await c.acquire('k', 1);
    clock.advance(1000);
    const fresh = await c.acquire('k', 15);
    expect(fresh).toBeTypeOf('function');
    await stale!();
    expect(await c.acquire('k', 15)).toBeNull();
  });
});

describe('memoryRefreshCoordinator: successor records', () => {
  it('keeps a successor until its TTL passes', async () => {
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

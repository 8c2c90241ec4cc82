import { describe, expect, it } from 'vitest';
import { rateLimitStoreContract } from './contracts/rate-limit-store.contract';
import { memoryRateLimitStore } from './memory-rate-limit-store';

function msClock(start = 5_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

{
  const clock = msClock();
  const shared = memoryRateLimitStore({ now: clock.now });
  rateLimitStoreContract('memoryRateLimitStore', { make: () => shared, elapse: async (s) => clock.advance(s * 1000) });
}

describe('memoryRateLimitStore', () => {

  it('counts within one window and reports the seconds left in it', async () => {
    const clock = msClock();
    const store = memoryRateLimitStore({ now: clock.now });
    expect(await store.increment('k', 60)).toEqual({ count: 1, resetIn: 60 });
    clock.advance(20_500);
    expect(await store.increment('k', 60)).toEqual({ count: 2, resetIn: 40 });
    expect(await store.get('k')).toEqual({ count: 2, resetIn: 40 });
  });

  it('does not move the window on later increments (a fixed window, not a sliding one)', async () => {
    const clock = msClock();
    const store = memoryRateLimitStore({ now: clock.now });
    await store.increment('k', 60);
    clock.advance(59_000);
    expect(await store.increment('k', 60)).toEqual({ count: 2, resetIn: 1 });
  });

  it('starts over when the window has passed', async () => {
    const clock = msClock();
    const store = memoryRateLimitStore({ now: clock.now });
    await store.increment('k', 60);
    await store.increment('k', 60);
    clock.advance(60_000);
    expect(await store.get('k')).toEqual({ count: 0, resetIn: 0 });
    expect(await store.increment('k', 60)).toEqual({ count: 1, resetIn: 60 });
  });

  it('never reports less than one second left while a window is open', async () => {
    const clock = msClock();
    const store = memoryRateLimitStore({ now: clock.now });
    await store.increment('k', 60);
    clock.advance(59_999);
    expect((await store.get('k')).resetIn).toBe(1);
  });

  it('keeps at most maxKeys keys, dropping the oldest', async () => {
    const store = memoryRateLimitStore({ maxKeys: 2 });
    await store.increment('a', 60);
    await store.increment('b', 60);
    await store.increment('c', 60);
    expect([(await store.get('a')).count, (await store.get('b')).count, (await store.get('c')).count]).toEqual([0, 1, 1]);
  });

});

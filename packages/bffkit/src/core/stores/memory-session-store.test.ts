import { describe, expect, it } from 'vitest';
import { newSessionId } from '../session/start';
import { START } from '../testing/support';
import type { SessionData } from '../types';
import { sessionStoreContract } from './contracts/session-store.contract';
import { memorySessionStore } from './memory-session-store';

function clockMs(start = 1_000_000) {
  const clock = () => clock.now;
  clock.now = start;
  return clock;
}

function session(userId = 'u1'): SessionData {
  return {
    id: newSessionId(),
    user: { id: userId, name: 'Ada' },
    tokens: { accessToken: 'a', refreshToken: 'r', expiresAt: START + 300, issuedAt: START },
    createdAt: START,
    lastActiveAt: START,
  };
}

{
  const clock = clockMs(Date.now());
  sessionStoreContract('memorySessionStore', { make: () => memorySessionStore({ now: clock }), elapse: async (s) => void (clock.now += s * 1000) });
}

describe('memorySessionStore', () => {
  it('forgets a session exactly when its TTL has passed', async () => {
    const now = clockMs();
    const store = memorySessionStore({ now });
    const s = session();
    await store.set(s, 60, 'create');
    now.now += 59_999;
    expect(await store.get(s.id)).not.toBeNull();
    now.now += 1;
    expect(await store.get(s.id)).toBeNull();
    expect(await store.listByUser('u1')).toEqual([]);
  });

  it('drops the oldest sessions beyond maxSessions', async () => {
    const store = memorySessionStore({ maxSessions: 2 });
    const [a, b, c] = [session(), session(), session()];
    for (const s of [a, b, c]) await store.set(s, 60, 'create');
    expect(await store.get(a.id)).toBeNull();
    expect(await store.get(c.id)).not.toBeNull();
    expect((await store.listByUser('u1')).length).toBe(2);
  });
});

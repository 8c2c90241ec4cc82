import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { BackendResult } from '../backends/adapter';
import { resolveConfig, type BffOptions } from '../config';
import { Refresher } from './refresh';
import { memoryRefreshCoordinator } from '../stores/memory-refresh-coordinator';
import type { RefreshCoordinator } from '../stores/refresh-coordinator';
import { APP, deferred, DEMO, fakeBackend, fakeClock, recordingLogger, SECRET, type FakeBackend } from '../testing/support';
import type { TokenSet } from '../types';

/** A config and a backend holding one live refresh token (from a real fake login). */
async function setup(options: Partial<BffOptions> = {}) {
  const clock = fakeClock();
  const backend = fakeBackend(clock);
  const config = resolveConfig({ secret: SECRET, baseUrl: APP, backend, clock, logger: recordingLogger(), ...options });
  const first = await backend.login(DEMO);
  if (!first.ok) throw new Error('fake login failed');
  backend.calls.login = 0;
  return { config, backend, clock, refreshToken: first.value.refreshToken!, issued: first.value };
}

/** Resolves once the fake backend's refresh has been entered `n` times. */
async function untilRefreshCalls(backend: FakeBackend, n: number) {
  for (let i = 0; i < 1000 && backend.calls.refresh < n; i++) await new Promise((r) => setImmediate(r));
  expect(backend.calls.refresh).toBe(n);
}

/** A coordinator that records every key and value it is given. */
function spyCoordinator(inner: RefreshCoordinator = memoryRefreshCoordinator()) {
  const keys: string[] = [];
  const values: string[] = [];
  const coordinator: RefreshCoordinator = {
    shared: inner.shared,
    acquire: (key, ttl) => (keys.push(key), inner.acquire(key, ttl)),
    getSuccessor: (key) => (keys.push(key), inner.getSuccessor(key)),
    setSuccessor: (key, value, ttl) => (keys.push(key), values.push(value), inner.setSuccessor(key, value, ttl)),
  };
  return { coordinator, keys, values };
}

describe('Refresher: single flight in one process', () => {
  it('makes exactly one backend call for 100 concurrent refreshes of the same token, and all get the same tokens', async () => {
    const { config, backend, refreshToken } = await setup();
    const refresher = new Refresher(config);
    const outcomes = await Promise.all(Array.from({ length: 100 }, () => refresher.refresh(refreshToken)));
    expect(backend.calls.refresh).toBe(1);
    expect(outcomes.every((o) => o.ok)).toBe(true);
    const access = new Set(outcomes.map((o) => (o.ok ? o.tokens.accessToken : null)));
    const refresh = new Set(outcomes.map((o) => (o.ok ? o.tokens.refreshToken : null)));
    expect(access.size).toBe(1);
    expect(refresh.size).toBe(1);
    expect([...refresh][0]).not.toBe(refreshToken);
  });

  it('answers a later call with the old token from the successor record instead of presenting the rotated token again', async () => {
    const { config, backend, refreshToken } = await setup();
    const refresher = new Refresher(config);
    const first = await refresher.refresh(refreshToken);
    const again = await refresher.refresh(refreshToken);
    expect(backend.calls.refresh).toBe(1);
    expect(again).toEqual(first);
  });

  it('refreshes different tokens independently', async () => {
    const { config, backend, refreshToken } = await setup();
    const other = await backend.login(DEMO);
    const refresher = new Refresher(config);
    const [a, b] = await Promise.all([refresher.refresh(refreshToken), refresher.refresh(other.ok ? other.value.refreshToken! : '')]);
    expect(backend.calls.refresh).toBe(2);
    expect(a.ok && b.ok && a.tokens.accessToken !== b.tokens.accessToken).toBe(true);
  });
});

describe('Refresher: across instances sharing a coordinator', () => {
  it('lets a second instance (its own in-flight map) reuse the successor record without calling the backend', async () => {
    const { config, backend, refreshToken } = await setup();
    const instanceA = new Refresher(config);
    const instanceB = new Refresher(config);
    const a = await instanceA.refresh(refreshToken);
    const b = await instanceB.refresh(refreshToken);
    expect(backend.calls.refresh).toBe(1);
    expect(b).toEqual(a);
  });

  it('makes the waiter poll while the lock is held elsewhere, then hand it the successor', async () => {
    const { config, backend, refreshToken } = await setup();
    const gate = deferred<BackendResult<TokenSet>>();
    backend.nextRefresh.push(() => gate.promise);
    const holder = new Refresher(config).refresh(refreshToken);
    await untilRefreshCalls(backend, 1);
    const waiter = new Refresher(config).refresh(refreshToken);
    gate.resolve({ ok: true, value: { accessToken: 'at-new', refreshToken: 'rt-new', expiresAt: 2e9, issuedAt: 1.8e9 } });
    const [h, w] = await Promise.all([holder, waiter]);
    expect(backend.calls.refresh).toBe(1);
    expect(h.ok).toBe(true);
    expect(w).toEqual(h);
  });

  it('takes over a lock abandoned by a crashed instance once the lock times out', async () => {
    const now = { ms: 1_000_000 };
    const coordinator = memoryRefreshCoordinator({ now: () => now.ms });
    const { config, backend, refreshToken } = await setup({ refresh: { coordinator, lockTimeout: 15 } });
    const key = createHash('sha256').update(refreshToken).digest('base64url');
    expect(await coordinator.acquire(key, 15)).not.toBeNull(); // the crashed instance, never released
    const waiting = new Refresher(config).refresh(refreshToken);
    await new Promise((r) => setTimeout(r, 0));
    expect(backend.calls.refresh).toBe(0);
    now.ms += 15_000;
    const outcome = await waiting;
    expect(outcome.ok).toBe(true);
    expect(backend.calls.refresh).toBe(1);
  });

  it('a refresh slower than lockTimeout renews its lease: another instance waits for the successor instead of refreshing', async () => {
    const coordinator = memoryRefreshCoordinator(); // real time: the lease lapses unless renewed
    const { config, backend, refreshToken } = await setup({ refresh: { coordinator, lockTimeout: 0.15 } });
    const slow = deferred<BackendResult<TokenSet>>();
    backend.nextRefresh.push(() => slow.promise);
    const first = new Refresher(config).refresh(refreshToken);
    await untilRefreshCalls(backend, 1);
    // 0.4 s in: the lock's TTL has passed twice over; the other instance must still find it held.
    await new Promise((r) => setTimeout(r, 400));
    const second = new Refresher(config).refresh(refreshToken);
    await new Promise((r) => setTimeout(r, 100));
    expect(backend.calls.refresh).toBe(1);
    slow.resolve({ ok: true, value: { accessToken: 'slow-access', refreshToken: 'slow-refresh', expiresAt: config.clock() + 300, issuedAt: config.clock() } });
    const [a, b] = await Promise.all([first, second]);
    expect(a).toMatchObject({ ok: true, tokens: { accessToken: 'slow-access' } });
    expect(b).toEqual(a);
    expect(backend.calls.refresh).toBe(1);
  });

  it('gives up with timeout when the lock stays held and no successor appears', async () => {
    const coordinator = memoryRefreshCoordinator();
    const { config, backend, refreshToken } = await setup({ refresh: { coordinator, lockTimeout: 0.05 } });
    const key = createHash('sha256').update(refreshToken).digest('base64url');
    await coordinator.acquire(key, 3600);
    expect(await new Refresher(config).refresh(refreshToken)).toEqual({ ok: false, reason: 'timeout' });
    expect(backend.calls.refresh).toBe(0);
  });

  it('forgets the successor after its TTL, so the old token goes to the backend again (and a rotating backend rejects it)', async () => {
    const now = { ms: 1_000_000 };
    const coordinator = memoryRefreshCoordinator({ now: () => now.ms });
    const { config, backend, refreshToken } = await setup({ refresh: { coordinator, successorTtl: 120 } });
    await new Refresher(config).refresh(refreshToken);
    now.ms += 119_000;
    expect((await new Refresher(config).refresh(refreshToken)).ok).toBe(true);
    expect(backend.calls.refresh).toBe(1);
    now.ms += 1_000;
    expect(await new Refresher(config).refresh(refreshToken)).toEqual({ ok: false, reason: 'rejected' });
    expect(backend.calls.refresh).toBe(2);
  });
});

describe('Refresher: failures', () => {
  it('hands a rejection to every concurrent caller, and to later ones and other instances without presenting the token again', async () => {
    const { config, backend, refreshToken } = await setup();
    backend.nextRefresh.push({ ok: false, reason: 'rejected' });
    const refresher = new Refresher(config);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => refresher.refresh(refreshToken)));
    expect(outcomes).toEqual(Array.from({ length: 10 }, () => ({ ok: false, reason: 'rejected' })));
    expect(backend.calls.refresh).toBe(1);
    // The refused token is remembered as refused (sealed: no token in it) in the successor record's place.
    const record = await config.coordinator.getSuccessor(createHash('sha256').update(refreshToken).digest('base64url'));
    expect(record).toEqual(expect.any(String));
    expect(record).not.toContain(refreshToken);
    expect(await refresher.refresh(refreshToken)).toEqual({ ok: false, reason: 'rejected' });
    expect(await new Refresher(config).refresh(refreshToken)).toEqual({ ok: false, reason: 'rejected' });
    expect(backend.calls.refresh).toBe(1);
  });

  it('reports an outage as unavailable and succeeds on the next call once the backend is back', async () => {
    const { config, backend, refreshToken } = await setup();
    backend.nextRefresh.push({ ok: false, reason: 'unavailable' }, { ok: false, reason: 'timeout' });
    const refresher = new Refresher(config);
    expect(await refresher.refresh(refreshToken)).toEqual({ ok: false, reason: 'unavailable' });
    expect(await refresher.refresh(refreshToken)).toEqual({ ok: false, reason: 'timeout' });
    expect((await refresher.refresh(refreshToken)).ok).toBe(true);
    expect(backend.calls.refresh).toBe(3);
  });

  it('releases the lock after a failure so another instance may try', async () => {
    const { config, backend, refreshToken } = await setup();
    backend.nextRefresh.push({ ok: false, reason: 'unavailable' });
    await new Refresher(config).refresh(refreshToken);
    const pending = deferred<BackendResult<TokenSet>>();
    backend.nextRefresh.push(() => pending.promise);
    const second = new Refresher(config).refresh(refreshToken);
    await untilRefreshCalls(backend, 2);
    pending.resolve({ ok: false, reason: 'rejected' });
    expect(await second).toEqual({ ok: false, reason: 'rejected' });
  });
});

describe('Refresher: what the coordinator stores', () => {
  it('keys records by a SHA-256 hash of the refresh token and seals the values', async () => {
    const spy = spyCoordinator();
    const { config, refreshToken } = await setup({ refresh: { coordinator: spy.coordinator } });
    const outcome = await new Refresher(config).refresh(refreshToken);
    if (!outcome.ok) throw new Error('refresh failed');
    const hash = createHash('sha256').update(refreshToken).digest('base64url');
    expect(new Set(spy.keys)).toEqual(new Set([hash]));
    expect(spy.values).toHaveLength(1);
    const secrets = [refreshToken, outcome.tokens.accessToken, outcome.tokens.refreshToken!];
    for (const text of [...spy.keys, ...spy.values]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  });

  it('ignores a successor record it cannot open (another secret, or garbage) and refreshes itself', async () => {
    const spy = spyCoordinator();
    const { config, backend, refreshToken } = await setup({ refresh: { coordinator: spy.coordinator } });
    const hash = createHash('sha256').update(refreshToken).digest('base64url');
    await spy.coordinator.setSuccessor(hash, 'not-a-sealed-value', 60);
    const outcome = await new Refresher(config).refresh(refreshToken);
    expect(outcome.ok).toBe(true);
    expect(backend.calls.refresh).toBe(1);
  });
});

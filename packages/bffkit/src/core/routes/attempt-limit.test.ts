import { describe, expect, it } from 'vitest';
import { resolveConfig, type BffOptions } from '../config';
import { attemptLimit, normalizedIdentity } from './attempt-limit';
import { memoryRateLimitStore } from '../stores/memory-rate-limit-store';
import type { RateLimitStore } from '../stores/rate-limit-store';
import { APP, fakeBackend, fakeClock, get, recordingLogger, SECRET } from '../testing/support';

/** A store that records every key it sees. */
function spyStore(inner: RateLimitStore = memoryRateLimitStore()) {
  const keys: string[] = [];
  const store: RateLimitStore = {
    get: (k) => (keys.push(k), inner.get(k)),
    increment: (k, w) => (keys.push(k), inner.increment(k, w)),
    decrement: (k) => (keys.push(k), inner.decrement(k)),
    reset: (k) => (keys.push(k), inner.reset(k)),
  };
  return { store, keys };
}

function config(extra: Partial<BffOptions> = {}, limits: NonNullable<BffOptions['loginRateLimit']> = {}) {
  return resolveConfig({
    secret: SECRET,
    baseUrl: APP,
    backend: fakeBackend(fakeClock()),
    logger: recordingLogger(),
    ...extra,
    loginRateLimit: { window: 900, ...limits },
  });
}

const from = (ip?: string) => get('/api/auth/login', ip ? { headers: { 'x-forwarded-for': ip } } : {});

describe('login rate limit per account', () => {
  it('allows five attempts and refuses the sixth with Retry-After', async () => {
    const c = config();
    for (let i = 0; i < 5; i++) expect(await attemptLimit(c, from(), 'login', 'a@example.com').reserve()).toEqual({ ok: true });
    const verdict = await attemptLimit(c, from(), 'login', 'a@example.com').reserve();
    expect(verdict.ok).toBe(false);
    if (verdict.ok) return;
    expect(verdict.error.code).toBe('rate_limited');
    expect(verdict.error.status).toBe(429);
    expect(Number(verdict.error.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(verdict.error.headers['retry-after'])).toBeLessThanOrEqual(900);
  });

  it('counts one account whatever the case or surrounding spaces of the email', async () => {
    const c = config({}, { maxPerAccount: 2 });
    await attemptLimit(c, from(), 'login', 'A@Example.com').reserve();
    await attemptLimit(c, from(), 'login', '  a@example.COM ').reserve();
    expect((await attemptLimit(c, from(), 'login', 'a@example.com').reserve()).ok).toBe(false);
  });

  it('does not limit other accounts', async () => {
    const c = config({}, { maxPerAccount: 1 });
    await attemptLimit(c, from(), 'login', 'a@example.com').reserve();
    expect((await attemptLimit(c, from(), 'login', 'b@example.com').reserve()).ok).toBe(true);
  });

  it('clears the account after a successful login', async () => {
    const c = config({}, { maxPerAccount: 2 });
    await attemptLimit(c, from(), 'login', 'a@example.com').reserve();
    await attemptLimit(c, from(), 'login', 'a@example.com').reserve();
    await attemptLimit(c, from(), 'login', 'a@example.com').succeeded();
    await attemptLimit(c, from(), 'login', 'a@example.com').reserve();
    expect((await attemptLimit(c, from(), 'login', 'a@example.com').reserve()).ok).toBe(true);
  });

  it('allows the account again once the window has passed', async () => {
    let ms = 1_000_000;
    const c = config({}, { maxPerAccount: 1, window: 60, store: memoryRateLimitStore({ now: () => ms }) });
    await attemptLimit(c, from(), 'login', 'a@example.com').reserve();
    expect((await attemptLimit(c, from(), 'login', 'a@example.com').reserve()).ok).toBe(false);
    ms += 60_000;
    expect((await attemptLimit(c, from(), 'login', 'a@example.com').reserve()).ok).toBe(true);
  });

  it('keys counters by a hash, never by the email address', async () => {
    const spy = spyStore();
    const c = config({ trustProxy: true }, { store: spy.store });
    await attemptLimit(c, from('203.0.113.7'), 'login', 'secret.person@example.com').reserve();
    await attemptLimit(c, from('203.0.113.7'), 'login', 'secret.person@example.com').reserve();
    await attemptLimit(c, from('203.0.113.7'), 'login', 'secret.person@example.com').succeeded();
    expect(spy.keys.length).toBeGreaterThan(0);
    for (const k of spy.keys) expect(k.toLowerCase()).not.toContain('secret.person');
  });
});

describe('login rate limit under concurrency', () => {
  it('lets at most the allowed number of parallel attempts through', async () => {
    const c = config({}, { maxPerAccount: 5 });
    const verdicts = await Promise.all(Array.from({ length: 50 }, () => attemptLimit(c, from(), 'login', 'a@example.com').reserve()));
    expect(verdicts.filter((v) => v.ok)).toHaveLength(5);
  });
});

describe('login rate limit per client address', () => {
  it('limits one address across accounts when the proxy is trusted', async () => {
    const c = config({ trustProxy: true }, { maxPerAddress: 3 });
    for (const email of ['a@x.com', 'b@x.com', 'c@x.com']) await attemptLimit(c, from('203.0.113.7'), 'login', email).reserve();
    expect((await attemptLimit(c, from('203.0.113.7'), 'login', 'd@x.com').reserve()).ok).toBe(false);
    expect((await attemptLimit(c, from('198.51.100.1'), 'login', 'd@x.com').reserve()).ok).toBe(true);
  });

  it('uses the right-most X-Forwarded-For entry, which the trusted proxy wrote', async () => {
    const c = config({ trustProxy: true }, { maxPerAddress: 2 });
    await attemptLimit(c, from('1.1.1.1, 203.0.113.7'), 'login', 'a@x.com').reserve();
    await attemptLimit(c, from('2.2.2.2, 203.0.113.7'), 'login', 'b@x.com').reserve();
    expect((await attemptLimit(c, from('3.3.3.3, 203.0.113.7'), 'login', 'c@x.com').reserve()).ok).toBe(false);
  });

  it('ignores X-Forwarded-For without trustProxy (only the account limit applies)', async () => {
    const spy = spyStore();
    const c = config({}, { maxPerAddress: 1, store: spy.store });
    await attemptLimit(c, from('203.0.113.7'), 'login', 'a@x.com').reserve();
    expect((await attemptLimit(c, from('203.0.113.7'), 'login', 'b@x.com').reserve()).ok).toBe(true);
    expect(spy.keys.every((k) => k.startsWith('login:acct:'))).toBe(true);
  });

  it('keeps counting failures at an address after a successful login there', async () => {
    const c = config({ trustProxy: true }, { maxPerAddress: 2 });
    await attemptLimit(c, from('203.0.113.7'), 'login', 'a@x.com').reserve();
    await attemptLimit(c, from('203.0.113.7'), 'login', 'b@x.com').reserve();
    await attemptLimit(c, from('203.0.113.7'), 'login', 'b@x.com').succeeded();
    await attemptLimit(c, from('203.0.113.7'), 'login', 'c@x.com').reserve();
    expect((await attemptLimit(c, from('203.0.113.7'), 'login', 'd@x.com').reserve()).ok).toBe(false);
  });

  it('does not let successful logins behind one address use up its limit', async () => {
    const c = config({ trustProxy: true }, { maxPerAddress: 3 });
    for (let i = 0; i < 20; i++) {
      const email = `user${i}@x.com`;
      expect((await attemptLimit(c, from('203.0.113.7'), 'login', email).reserve()).ok).toBe(true);
      await attemptLimit(c, from('203.0.113.7'), 'login', email).succeeded();
    }
  });
});

describe('normalizedIdentity (the counter key only)', () => {
  it.each([
    ['  Alice@Example.COM ', 'alice@example.com'],
    ['\uff21lice@example.com', 'alice@example.com'], // full-width A (NFKC)
    ['al\u200bice@exa\u00admple.com', 'alice@example.com'], // zero-width space, soft hyphen
    ['\ufeffalice', 'alice'], // byte-order mark
    ['ALICE', 'alice'],
  ])('%j counts as %j', (input, expected) => {
    expect(normalizedIdentity(input)).toBe(expected);
  });

  it('makes Unicode and invisible variants of one account share its limit', async () => {
    const c = config({}, { maxPerAccount: 2 });
    await attemptLimit(c, from(), 'login', 'alice@example.com').reserve();
    await attemptLimit(c, from(), 'login', '\uff21LICE@example.com').reserve();
    expect((await attemptLimit(c, from(), 'login', 'ali\u200bce@example.com\u00ad ').reserve()).ok).toBe(false);
  });
});

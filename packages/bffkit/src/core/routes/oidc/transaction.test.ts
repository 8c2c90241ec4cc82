import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../config';
import { deriveKeyRing } from '../../crypto/keys';
import { sealJson } from '../../crypto/seal';
import { serializeCookie } from '../../http/cookie';
import { APP, OTHER_SECRET, SECRET, fakeBackend, fakeClock } from '../../testing/support';
import { TRANSACTION_TTL, TransactionCookie } from './transaction';

const quiet = { info() {}, warn() {}, error() {} };
const config = (overrides: Partial<Parameters<typeof resolveConfig>[0]> = {}) =>
  resolveConfig({ secret: SECRET, baseUrl: APP, backend: fakeBackend(fakeClock()), logger: quiet, ...overrides });
const TX = { state: 'state-1', nonce: 'nonce-1', verifier: 'verifier-1' };
const NOW = 1_800_000_000;
const pair = (line: string) => line.split(';')[0]!;

describe('TransactionCookie', () => {
  it('round-trips the transaction and returnTo, sealed (nothing readable in the value)', () => {
    const cookie = new TransactionCookie(config());
    const line = serializeCookie(cookie.write(TX, '/notes', NOW));
    expect(line).not.toContain('state-1');
    expect(cookie.read(pair(line), NOW + 1)).toEqual({ transaction: TX, returnTo: '/notes' });
  });

  it('is HttpOnly, Path=/, SameSite=Lax even when the session cookie is Strict, and lives ten minutes', () => {
    const line = serializeCookie(new TransactionCookie(config({ cookie: { sameSite: 'strict' } })).write(TX, '/', NOW));
    expect(line).toMatch(/^bffkit-tx=/);
    expect(line).toContain('HttpOnly');
    expect(line).toContain('Path=/');
    expect(line).toContain('SameSite=Lax');
    expect(line).toContain(`Max-Age=${TRANSACTION_TTL}`);
  });

  it('is named __Host-bffkit-tx and Secure on https', () => {
    const line = serializeCookie(new TransactionCookie(config({ baseUrl: 'https://app.example.com' })).write(TX, '/', NOW));
    expect(line).toMatch(/^__Host-bffkit-tx=/);
    expect(line).toContain('Secure');
  });

  it('is gone after its ten minutes even if the browser still sends it', () => {
    const cookie = new TransactionCookie(config());
    const value = pair(serializeCookie(cookie.write(TX, '/', NOW)));
    expect(cookie.read(value, NOW + TRANSACTION_TTL - 1)).not.toBeNull();
    expect(cookie.read(value, NOW + TRANSACTION_TTL)).toBeNull();
  });

  it('refuses a value sealed under another purpose key (a session cookie) or another secret', () => {
    const cookie = new TransactionCookie(config());
    const wire = { v: 1, t: TX, r: '/', e: NOW + 60 };
    expect(cookie.read(`bffkit-tx=${sealJson(deriveKeyRing([SECRET], 'session'), wire)}`, NOW)).toBeNull();
    expect(cookie.read(`bffkit-tx=${sealJson(deriveKeyRing([OTHER_SECRET], 'transaction'), wire)}`, NOW)).toBeNull();
    expect(cookie.read(`bffkit-tx=${sealJson(deriveKeyRing([SECRET], 'transaction'), wire)}`, NOW)).not.toBeNull();
  });

  it('refuses duplicates, tampering, garbage and a missing cookie', () => {
    const cookie = new TransactionCookie(config());
    const value = pair(serializeCookie(cookie.write(TX, '/', NOW)));
    expect(cookie.read(`${value}; ${value}`, NOW)).toBeNull();
    expect(cookie.read(`${value.slice(0, -2)}AA`, NOW)).toBeNull();
    expect(cookie.read('bffkit-tx=garbage', NOW)).toBeNull();
    expect(cookie.read(null, NOW)).toBeNull();
    expect(cookie.read('bffkit=whatever', NOW)).toBeNull();
  });

  it('re-checks returnTo when reading (defence in depth)', () => {
    const ring = deriveKeyRing([SECRET], 'transaction');
    const cookie = new TransactionCookie(config());
    const read = cookie.read(`bffkit-tx=${sealJson(ring, { v: 1, t: TX, r: '//evil.example', e: NOW + 60 })}`, NOW);
    expect(read?.returnTo).toBe('/');
  });

  it('clears with Max-Age=0 under the same name and path', () => {
    expect(serializeCookie(new TransactionCookie(config()).clear())).toMatch(/^bffkit-tx=; Path=\/; Max-Age=0/);
  });
});

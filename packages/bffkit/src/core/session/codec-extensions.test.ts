import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteWriter } from './byte-codec';
import { decodeSession, encodeSession, fromWire, toWire, tokensFromWire, tokensToWire } from './codec';
import type { SessionData } from '../types';

const b64 = (n = 32) => randomBytes(n).toString('base64url');

const base: SessionData = {
  id: b64(16),
  user: { id: 'u-1001', email: 'demo@example.com', name: 'Demo User' },
  tokens: { accessToken: `${b64(20)}.${b64(200)}.${b64(64)}`, refreshToken: b64(), idToken: `${b64(20)}.${b64(300)}.${b64(64)}`, expiresAt: 1_800_000_300, issuedAt: 1_800_000_000 },
  createdAt: 1_800_000_000,
  lastActiveAt: 1_800_000_000,
};

const full: SessionData = {
  ...base,
  tokens: { ...base.tokens, tokenType: 'DPoP' },
  dpopKey: { alg: 'ES256', x: b64(), y: b64(), d: b64() },
  auth: { acr: 'urn:bffkit:acr:mfa', amr: ['pwd', 'otp', 'mfa'], authTime: 1_799_999_990 },
  upstreamTokens: {
    'r:urn:bffkit:billing-api': { accessToken: `${b64(20)}.${b64(150)}.${b64(64)}`, expiresAt: 1_800_000_300, issuedAt: 1_800_000_000, tokenType: 'DPoP' },
    'x:urn:bffkit:partner-api': { accessToken: 'opaque token with spaces', expiresAt: 1_800_000_300.5, issuedAt: 1_800_000_000 },
  },
};

describe('session codec: optional sections', () => {
  it('round-trips the DPoP key, token type, authentication level and upstream tokens', () => {
    expect(decodeSession(encodeSession(full))).toEqual(full);
    expect(fromWire(JSON.parse(JSON.stringify(toWire(full))))).toEqual(full);
  });

  it('encodes a session without them to the same bytes as before (flag bit 6 clear, no block)', () => {
    const bytes = encodeSession(base);
    expect(bytes[1]! & 64).toBe(0);
    // The same session with every section present, minus the block, is exactly the old encoding.
    const withExtras = encodeSession(full);
    expect(withExtras[1]! & 64).toBe(64);
    expect(toWire(base)).not.toHaveProperty('x');
  });

  it('reads a format 2 cookie written before the sections existed', () => {
    // Hand-built with the first release's layout: format, flags (refresh, user fields, e-mail, name), id,
    // user fields, access, refresh, four varint times.
    const w = new ByteWriter();
    w.byte(2);
    w.byte(1 | 8 | 16 | 32);
    w.text(base.id);
    w.text('u-1001');
    w.text('demo@example.com');
    w.text('Demo User');
    w.text(base.tokens.accessToken);
    w.text(base.tokens.refreshToken!);
    for (const n of [1_800_000_300, 1_800_000_000, 1_800_000_000, 1_800_000_000]) w.varint(n);
    expect(decodeSession(w.done())).toEqual({ ...base, tokens: { ...base.tokens, idToken: undefined } } satisfies SessionData);
  });

  it('skips a section of a newer release, and refuses a known section that does not parse', () => {
    const bytes = Buffer.from(encodeSession({ ...base, auth: { authTime: 5 } }));
    // An unknown tag 9 with three bytes appended: skipped.
    const unknown = Buffer.concat([bytes, Buffer.from([9, 3, 1, 2, 3])]);
    expect(decodeSession(unknown)?.auth).toEqual({ authTime: 5 });
    // The DPoP key section cut short, a wrong alg byte, a section longer than the buffer: refused.
    const key = Buffer.from(encodeSession({ ...base, dpopKey: full.dpopKey! }));
    const tagAt = key.length - 99;
    expect(key[tagAt]).toBe(2);
    expect(decodeSession(Buffer.concat([key.subarray(0, tagAt), Buffer.from([2, 97]), key.subarray(tagAt + 2, key.length - 1)]))).toBeNull();
    const badAlg = Buffer.from(key);
    badAlg[tagAt + 2] = 7;
    expect(decodeSession(badAlg)).toBeNull();
    expect(decodeSession(Buffer.concat([bytes, Buffer.from([3, 50, 0])]))).toBeNull();
    // Trailing junk inside a known section.
    expect(decodeSession(Buffer.concat([bytes, Buffer.from([1, 2, 1, 0])]))).toBeNull();
  });

  it('refuses upstream-token cache keys that are not bffkit\'s own shape (no __proto__)', () => {
    const s = { ...base, upstreamTokens: JSON.parse('{"__proto__":{"accessToken":"a","expiresAt":1,"issuedAt":1}}') };
    expect(decodeSession(encodeSession(s))).toBeNull();
  });

  it('refuses JSON sections of the wrong shape, never throwing', () => {
    const wire = toWire(full) as unknown as Record<string, unknown>;
    for (const x of [1, [], { tt: 'Bearer' }, { k: { x: 1 } }, { au: { amr: 'pwd' } }, { au: { acr: 3 } }, { ut: { 'r:a': { accessToken: 1 } } }, { k: { alg: 'ES256', x: 'AA', y: 'AA', d: 'AA' } }]) {
      expect(fromWire({ ...wire, x })).toBeNull();
    }
  });

  it('keeps the token type in a successor record', () => {
    expect(tokensFromWire(JSON.parse(JSON.stringify(tokensToWire(full.tokens))))).toEqual(full.tokens);
  });

  it('round-trips arbitrary levels and upstream tokens (property)', () => {
    const token = fc.record({ accessToken: fc.string({ minLength: 1 }), expiresAt: fc.nat(), issuedAt: fc.nat(), tokenType: fc.constant<'DPoP'>('DPoP') }, { requiredKeys: ['accessToken', 'expiresAt', 'issuedAt'] });
    fc.assert(
      fc.property(
        fc.record({ acr: fc.string(), amr: fc.array(fc.string(), { maxLength: 5 }), authTime: fc.nat() }, { requiredKeys: [] }),
        fc.dictionary(fc.string().map((k) => `r:${k}`), token, { maxKeys: 4 }),
        (auth, upstreamTokens) => {
          const s: SessionData = { ...base, auth, upstreamTokens };
          const expected = Object.keys(upstreamTokens).length ? s : { ...base, auth };
          expect(decodeSession(encodeSession(s))).toEqual(expected);
        },
      ),
    );
  });
});

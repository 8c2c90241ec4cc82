import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveKeyRing } from '../crypto/keys';
import { seal, sealJson, unseal } from '../crypto/seal';
import { decodeSession, encodeSession, fromWire, toWire } from './codec';
import type { SessionData } from '../types';

const ring = deriveKeyRing(['codec-test-secret-with-at-least-32-chars'], 'session');
const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** A realistic RS256 access token of about 1.2 KB (header, 20-odd claims, 256-byte signature). */
function jwt(seed: string, extraClaims: Record<string, unknown> = {}): string {
  const header = { alg: 'RS256', typ: 'at+jwt', kid: createHash('sha256').update(seed).digest('base64url').slice(0, 22) };
  const claims = {
    iss: 'https://id.example.com/realms/main',
    sub: '7f3c2a10-5b8e-4d7a-9c61-2e4f8a9b0c1d',
    aud: ['bffkit-example-api', 'account'],
    exp: 1_767_225_600,
    iat: 1_767_225_300,
    auth_time: 1_767_225_290,
    jti: createHash('sha256').update(`jti${seed}`).digest('hex').slice(0, 32),
    azp: 'bffkit-web',
    sid: '1c9d6b2e-8f3a-4e51-b7c2-0a9d8e7f6c5b',
    scope: 'openid profile email offline_access notes:read notes:write',
    email: 'demo@example.com',
    email_verified: true,
    name: 'Demo User',
    preferred_username: 'demo',
    realm_access: { roles: ['default-roles-main', 'offline_access', 'uma_authorization', 'notes-editor'] },
    resource_access: { account: { roles: ['manage-account', 'view-profile'] } },
    ...extraClaims,
  };
  const sig = createHash('sha512').update(seed).digest();
  return `${b64(header)}.${b64(claims)}.${Buffer.concat([sig, sig, sig, sig]).toString('base64url')}`;
}

const session: SessionData = {
  id: randomBytes(16).toString('base64url'),
  user: { id: '42', email: 'demo@example.com', name: 'Demo User' },
  tokens: {
    accessToken: jwt('access'),
    refreshToken: randomBytes(32).toString('base64url'),
    expiresAt: 1_767_225_600,
    issuedAt: 1_767_225_300,
  },
  createdAt: 1_767_225_290,
  lastActiveAt: 1_767_225_300,
};

describe('session codec (format 2)', () => {
  it('round-trips a realistic session exactly', () => {
    expect(decodeSession(encodeSession(session))).toEqual(session);
  });

  it('round-trips every field, the optional ones present and absent', () => {
    const full: SessionData = {
      ...session,
      user: { id: 'u-1', email: 'a@b.c', name: 'Zoë 🚀', roles: ['x'], nested: { n: 1 } },
      tokens: { ...session.tokens, idToken: jwt('id', { nonce: 'n' }) },
    };
    expect(decodeSession(encodeSession(full))).toEqual(full);
    const bare: SessionData = { ...session, user: { id: 'u' }, tokens: { accessToken: 'opaque token with spaces', expiresAt: 0, issuedAt: 0 } };
    const decoded = decodeSession(encodeSession(bare))!;
    expect(decoded).toEqual(bare);
    expect('refreshToken' in decoded.tokens).toBe(false);
    expect('idToken' in decoded.tokens).toBe(false);
  });

  it('stores a plain {id, email, name} user without JSON, and any other user as JSON, both exactly', () => {
    const plain = encodeSession(session);
    const withClaims = encodeSession({ ...session, user: { ...session.user, roles: ['a'] } });
    expect(plain.length).toBeLessThan(withClaims.length - 20); // no JSON keys, braces or quotes
    for (const user of [{ id: 'u' }, { id: 'u', name: 'N' }, { id: 'u', email: 'e@x' }, { id: 'u', email: undefined }, { id: 'u', n: 1 }]) {
      const back = decodeSession(encodeSession({ ...session, user }))!;
      expect(back.user).toEqual(JSON.parse(JSON.stringify(user)));
      expect(Object.keys(back.user).sort()).toEqual(Object.keys(JSON.parse(JSON.stringify(user))).sort());
    }
  });

  it('keeps tokens that are not canonical base64url byte for byte', () => {
    for (const token of ['abcde', 'ab=', 'a+b/c', 'x.y.z.', '..', 'AB', 'AF', 'é.é', 'a'.repeat(5000)]) {
      const s = { ...session, id: token, tokens: { ...session.tokens, accessToken: token, refreshToken: token } };
      expect(decodeSession(encodeSession(s))).toEqual(s);
    }
  });

  it('keeps fractional, negative and huge times exactly', () => {
    for (const t of [1.5, -1, -0, Number.MAX_SAFE_INTEGER, 2 ** 60]) {
      const s = { ...session, createdAt: t, tokens: { ...session.tokens, expiresAt: t } };
      expect(decodeSession(encodeSession(s))).toEqual(s);
    }
  });

  it('round-trips arbitrary sessions (property)', () => {
    const text = fc.oneof(fc.string(), fc.base64String().map((s) => s.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')), fc.constant(session.tokens.accessToken));
    const time = fc.oneof(fc.nat(), fc.double({ noNaN: true, noDefaultInfinity: true }));
    fc.assert(
      fc.property(text, text, fc.option(text, { nil: undefined }), fc.option(text, { nil: undefined }), time, time, time, time, fc.string(), (id, a, r, d, e, t, c, l, name) => {
        const s: SessionData = { id, user: { id: 'u', name }, tokens: { accessToken: a, expiresAt: e, issuedAt: t }, createdAt: c, lastActiveAt: l };
        if (r) s.tokens.refreshToken = r;
        if (d) s.tokens.idToken = d;
        const back = decodeSession(encodeSession(s));
        expect(back).toEqual(s);
      }),
      { numRuns: 500 },
    );
  });

  it('starts with the format byte 2', () => {
    expect(encodeSession(session)[0]).toBe(2);
  });
});

describe('decodeSession on bad input', () => {
  it('answers null for garbage, truncation, trailing bytes and unknown formats, never throwing', () => {
    const good = Buffer.from(encodeSession(session));
    const bad: (Uint8Array | null)[] = [
      null,
      new Uint8Array(0),
      Uint8Array.of(2),
      Uint8Array.of(2, 0),
      Uint8Array.of(3, 0, 0),
      Uint8Array.of(2, 0x80), // unknown flag
      Buffer.concat([good, Uint8Array.of(0)]),
      Buffer.from('{"v":2}'),
      Buffer.from('{not json'),
      Uint8Array.of(2, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), // endless varint
      Uint8Array.of(2, 0, 16, 1, 0), // more segments than allowed
    ];
    for (let n = 0; n < good.length; n++) bad.push(good.subarray(0, n));
    for (const b of bad) expect(decodeSession(b)).toBeNull();
  });

  it('answers null for random bytes (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        expect(() => decodeSession(bytes)).not.toThrow();
      }),
    );
  });

  it('answers null when the user is not an object with a string id', () => {
    for (const user of [null, [], 'x', { id: 1 }, {}]) {
      const bytes = encodeSession({ ...session, user: user as never });
      expect(decodeSession(bytes)).toBeNull();
    }
  });
});

describe('legacy format 1 (JSON)', () => {
  it('still reads a format 1 cookie sealed by the first release', () => {
    const bytes = unseal(ring, sealJson(ring, toWire(session)));
    expect(decodeSession(bytes)).toEqual(session);
    expect(fromWire({ ...toWire(session), v: 3 })).toBeNull();
  });
});

describe('size', () => {
  const binary = seal(ring, encodeSession(session));
  const json = sealJson(ring, toWire(session));

  it('stores the JWT as its decoded bytes: the cookie is at most 0.75x the JSON format', () => {
    // Figures for this fixture: ~1.2 KB access token, 43-char refresh token, 3-field user.
    expect(session.tokens.accessToken.length).toBeGreaterThan(1150);
    expect(binary.length).toBeLessThanOrEqual(json.length * 0.75);
  });

  it('adds at most 40 bytes of framing to the decoded tokens, id, user and times', () => {
    const t = session.tokens;
    const payload =
      Buffer.from(t.accessToken.replaceAll('.', ''), 'base64url').length +
      Buffer.from(t.refreshToken!, 'base64url').length +
      16 + // session id
      Buffer.byteLength(JSON.stringify(session.user)) +
      4 * 5; // four varint times of five bytes
    expect(encodeSession(session).length - payload).toBeLessThanOrEqual(40);
  });
});

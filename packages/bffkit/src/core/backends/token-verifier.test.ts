import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SignJWT, UnsecuredJWT, createLocalJWKSet, errors, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { BackendAdapter, BackendResult } from './adapter';
import { ConfigError } from '../errors';
import type { SessionUser } from '../types';
import { createTokenVerifier, resolveHandoff, type ResolvedHandoff } from './token-verifier';

const NOW = 1_800_000_000;
const ISSUER = 'https://issuer.example';
const AUDIENCE = 'api';

let signing: { privateKey: CryptoKey; jwk: JWK };
let other: { privateKey: CryptoKey; jwk: JWK };

async function keyPair(kid: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

beforeAll(async () => {
  signing = await keyPair('k1');
  other = await keyPair('k2');
});

function token(opts: { key?: CryptoKey; kid?: string; iss?: string; aud?: string; exp?: number | null; nbf?: number } = {}) {
  const jwt = new SignJWT({ email: 'a@example.com' })
    .setProtectedHeader({ alg: 'ES256', kid: opts.kid ?? 'k1' })
    .setSubject('1')
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? AUDIENCE)
    .setIssuedAt(NOW - 10);
  if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? NOW + 300);
  if (opts.nbf !== undefined) jwt.setNotBefore(opts.nbf);
  return jwt.sign(opts.key ?? signing.privateKey);
}

function jwtHandoff(extra: Partial<{ algorithms: string[]; audience: string | string[]; jwksUrl: string }> = {}): ResolvedHandoff {
  return resolveHandoff({ verify: { jwksUrl: 'https://issuer.example/jwks', issuer: ISSUER, audience: AUDIENCE, ...extra } })!;
}

function backend(user: BackendResult<SessionUser> = { ok: true, value: { id: '1', name: 'A' } }) {
  const calls: string[] = [];
  const adapter: BackendAdapter = {
    kind: 'fake',
    refresh: async () => ({ ok: false, reason: 'rejected' }),
    user: async (tokens) => {
      calls.push(tokens.accessToken);
      return user;
    },
  };
  return { adapter, calls };
}

describe('resolveHandoff', () => {
  it('keeps the route off when the option is absent', () => {
    expect(resolveHandoff(undefined)).toBeUndefined();
  });

  it('defaults to asymmetric algorithms and a list of audiences', () => {
    const resolved = jwtHandoff();
    expect(resolved.verify).toMatchObject({ kind: 'jwt', audience: [AUDIENCE], algorithms: ['ES256', 'RS256', 'EdDSA', 'PS256'] });
  });

  it('accepts userinfo mode', () => {
    expect(resolveHandoff({ verify: 'userinfo' })).toEqual({ verify: { kind: 'userinfo' } });
  });

  it('refuses userinfo mode with a backend whose user() only reads the token claims', () => {
    const claimsOnly = { kind: 'claims', refresh: async () => ({ ok: false as const, reason: 'rejected' as const }), user: async () => ({ ok: false as const, reason: 'rejected' as const }) };
    expect(() => resolveHandoff({ verify: 'userinfo' }, claimsOnly)).toThrow(/handoff\.verify/);
    expect(resolveHandoff({ verify: 'userinfo' }, { ...claimsOnly, userVerifiesToken: true })).toEqual({ verify: { kind: 'userinfo' } });
  });

  it.each([['none'], ['HS256'], ['HS512'], []])('refuses the algorithm list %j', (...algorithms) => {
    expect(() => jwtHandoff({ algorithms })).toThrow(ConfigError);
    expect(() => jwtHandoff({ algorithms })).toThrow(/handoff\.verify\.algorithms/);
  });

  it('refuses an empty audience, a missing issuer and a non-http key set URL', () => {
    expect(() => jwtHandoff({ audience: [] })).toThrow(/handoff\.verify\.audience/);
    expect(() => resolveHandoff({ verify: { jwksUrl: 'https://x/jwks', issuer: '', audience: 'a' } })).toThrow(/issuer/);
    expect(() => jwtHandoff({ jwksUrl: 'file:///etc/keys' })).toThrow(/jwksUrl/);
    expect(() => jwtHandoff({ jwksUrl: 'not a url' })).toThrow(/jwksUrl/);
    expect(() => resolveHandoff({ verify: 'maybe' as never })).toThrow(/handoff\.verify/);
  });
});

describe('the JWT verifier', () => {
  const verifier = () => createTokenVerifier(jwtHandoff(), backend().adapter, createLocalJWKSet({ keys: [signing.jwk] }));

  it('accepts a token signed by the key set with the right issuer and audience, answering its exp', async () => {
    expect(await verifier().verify(await token(), NOW)).toEqual({ ok: true, expiresAt: NOW + 300 });
  });

  it('accepts any of several configured audiences', async () => {
    const v = createTokenVerifier(jwtHandoff({ audience: ['x', 'other-api'] }), backend().adapter, createLocalJWKSet({ keys: [signing.jwk] }));
    expect((await v.verify(await token({ aud: 'other-api' }), NOW)).ok).toBe(true);
  });

  it.each([
    ['signed by another key under an unknown kid', () => token({ key: other.privateKey, kid: 'k2' }), 'unknown key'],
    ['signed by another key under the known kid', () => token({ key: other.privateKey }), 'bad signature'],
    ['expired', () => token({ exp: NOW - 60 }), 'expired'],
    ['expired within the clock tolerance', () => token({ exp: NOW - 2 }), 'expired'],
    ['for another audience', () => token({ aud: 'someone-else' }), 'claim aud invalid'],
    ['from another issuer', () => token({ iss: 'https://evil.example' }), 'claim iss invalid'],
    ['without exp', () => token({ exp: null }), 'claim exp invalid'],
    ['not yet valid', () => token({ nbf: NOW + 60 }), 'claim nbf invalid'],
    ['unsigned (alg none)', async () => new UnsecuredJWT({ iss: ISSUER, aud: AUDIENCE, exp: NOW + 300 }).encode(), 'algorithm not allowed'],
    ['garbage', async () => 'not-a-jwt', 'malformed'],
  ])('rejects a token %s', async (_name, make, category) => {
    expect(await verifier().verify(await make(), NOW)).toEqual({ ok: false, reason: 'rejected', category });
  });

  it('rejects an HS256 token even when its secret is in the key set', async () => {
    const secret = new Uint8Array(32).fill(7);
    const hs = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'h' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime(NOW + 60).sign(secret);
    const keys = createLocalJWKSet({ keys: [signing.jwk, { kty: 'oct', k: Buffer.from(secret).toString('base64url'), kid: 'h', alg: 'HS256' }] });
    const result = await createTokenVerifier(jwtHandoff(), backend().adapter, keys).verify(hs, NOW);
    expect(result).toEqual({ ok: false, reason: 'rejected', category: 'algorithm not allowed' });
  });

  it('tolerates five seconds of clock skew on nbf', async () => {
    expect((await verifier().verify(await token({ nbf: NOW + 4 }), NOW)).ok).toBe(true);
  });

  it('reports a key set that cannot be fetched as unavailable or timeout, not as a bad token', async () => {
    const down = createTokenVerifier(jwtHandoff(), backend().adapter, async () => {
      throw new TypeError('fetch failed');
    });
    expect(await down.verify(await token(), NOW)).toMatchObject({ ok: false, reason: 'unavailable' });
    const slow = createTokenVerifier(jwtHandoff(), backend().adapter, async () => {
      throw new errors.JWKSTimeout();
    });
    expect(await slow.verify(await token(), NOW)).toMatchObject({ ok: false, reason: 'timeout' });
  });

  it('never calls the backend user endpoint itself', async () => {
    const b = backend();
    await createTokenVerifier(jwtHandoff(), b.adapter, createLocalJWKSet({ keys: [signing.jwk] })).verify(await token(), NOW);
    expect(b.calls).toEqual([]);
  });
});

describe('the remote key set', () => {
  let server: Server;
  let url: string;
  let fetches = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [signing.jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/jwks`;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is fetched once and cached across verifications', async () => {
    const v = createTokenVerifier(jwtHandoff({ jwksUrl: url }), backend().adapter);
    const now = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 3; i++) {
      const t = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime(now + 60).sign(signing.privateKey);
      expect((await v.verify(t, now)).ok).toBe(true);
    }
    expect(fetches).toBe(1);
  });

  it('answers unavailable when nothing listens at the URL', async () => {
    const v = createTokenVerifier(jwtHandoff({ jwksUrl: 'http://127.0.0.1:1/jwks' }), backend().adapter);
    expect(await v.verify(await token(), NOW)).toMatchObject({ ok: false, reason: 'unavailable' });
  });
});

describe('the userinfo verifier', () => {
  it('accepts the token when the backend answers the user, and passes the user on', async () => {
    const b = backend({ ok: true, value: { id: '7', email: 'u@example.com' } });
    const result = await createTokenVerifier({ verify: { kind: 'userinfo' } }, b.adapter).verify('opaque-token', NOW);
    expect(result).toEqual({ ok: true, expiresAt: undefined, user: { id: '7', email: 'u@example.com' } });
    expect(b.calls).toEqual(['opaque-token']);
  });

  it('takes exp from a JWT the backend accepted', async () => {
    const result = await createTokenVerifier({ verify: { kind: 'userinfo' } }, backend().adapter).verify(await token({ exp: NOW + 90 }), NOW);
    expect(result).toMatchObject({ ok: true, expiresAt: NOW + 90 });
  });

  it('rejects what the backend refuses and reports an outage as unavailable', async () => {
    const refused = createTokenVerifier({ verify: { kind: 'userinfo' } }, backend({ ok: false, reason: 'rejected' }).adapter);
    expect(await refused.verify('t', NOW)).toMatchObject({ ok: false, reason: 'rejected' });
    const down = createTokenVerifier({ verify: { kind: 'userinfo' } }, backend({ ok: false, reason: 'timeout' }).adapter);
    expect(await down.verify('t', NOW)).toMatchObject({ ok: false, reason: 'timeout' });
  });

  it('rejects an already expired JWT without asking the backend', async () => {
    const b = backend();
    const user = vi.spyOn(b.adapter, 'user');
    const result = await createTokenVerifier({ verify: { kind: 'userinfo' } }, b.adapter).verify(await token({ exp: NOW - 1 }), NOW);
    expect(result).toMatchObject({ ok: false, reason: 'rejected', category: 'expired' });
    expect(user).not.toHaveBeenCalled();
  });
});

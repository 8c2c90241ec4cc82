// The realistic session every contender seals: a ~1.2 KB RS256 access token (JWT), an opaque refresh
// token (32 random bytes, base64url, as the example backend issues), the display user and timestamps.
// And a large OIDC-like token set (id token + access token + JWT refresh token) near the chunking limit.
import { createHash, randomBytes } from 'node:crypto';
import { createBff, silentLogger } from 'bffkit';

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const hex = (seed, n) => createHash('sha256').update(seed).digest('hex').slice(0, n);

/** A JWT with realistic claims; `sigBytes` 256 = RS256 (2048-bit key). */
export function jwt(seed, now, claims = {}, sigBytes = 256) {
  const header = { alg: 'RS256', typ: 'JWT', kid: createHash('sha256').update(`kid${seed}`).digest('base64url').slice(0, 43) };
  const body = {
    iss: 'https://id.example.com/realms/main',
    sub: '7f3c2a10-5b8e-4d7a-9c61-2e4f8a9b0c1d',
    aud: ['bffkit-example-api', 'account'],
    exp: now + 3600,
    iat: now,
    auth_time: now - 5,
    jti: `${hex(`jti${seed}`, 8)}-${hex(`jti2${seed}`, 4)}-${hex(`jti3${seed}`, 4)}-${hex(`jti4${seed}`, 12)}`,
    azp: 'bffkit-web',
    sid: '1c9d6b2e-8f3a-4e51-b7c2-0a9d8e7f6c5b',
    scope: 'openid profile email offline_access notes:read notes:write',
    email: 'demo@example.com',
    email_verified: true,
    name: 'Demo User',
    preferred_username: 'demo',
    ...claims,
  };
  const sig = Buffer.alloc(sigBytes);
  for (let i = 0; i < sigBytes; i += 32) createHash('sha256').update(`${seed}${i}`).digest().copy(sig, i);
  return `${b64(header)}.${b64(body)}.${sig.toString('base64url')}`;
}

const ROLES = {
  realm_access: { roles: ['default-roles-main', 'offline_access', 'uma_authorization', 'notes-editor', 'notes-reader'] },
  resource_access: { account: { roles: ['manage-account', 'manage-account-links', 'view-profile'] }, 'bffkit-example-api': { roles: ['notes:admin'] } },
  allowed_origins: ['https://app.example.com'],
  acr: '1',
  typ: 'Bearer',
  given_name: 'Demo',
  family_name: 'User',
  locale: 'en',
};

/** Extra claims of the realistic access token: brings it to ~1.2 KB. */
const REALISTIC = { realm_access: { roles: ['default-roles-main', 'offline_access', 'uma_authorization'] }, typ: 'Bearer', acr: '1' };

export const USER = { id: '1', email: 'demo@example.com', name: 'Demo User' };

/** The realistic token set (~1.2 KB access token). */
export function realisticTokens(now) {
  return {
    accessToken: jwt('access', now, REALISTIC),
    refreshToken: randomBytes(32).toString('base64url'),
    expiresAt: now + 3600,
    issuedAt: now,
  };
}

/** A large OIDC-like token set: id token + access token + a JWT refresh token (Keycloak style). */
export function largeTokens(now) {
  const groups = Array.from({ length: 16 }, (_, i) => `/org/department-${i}/team-${(i * 7) % 13}`);
  return {
    accessToken: jwt('access-large', now, { ...ROLES, groups }),
    refreshToken: jwt('refresh-large', now, { typ: 'Refresh', scope: 'openid profile email offline_access' }, 32).replace('RS256', 'HS256'),
    idToken: jwt('id-large', now, { nonce: randomBytes(16).toString('base64url'), at_hash: hex('at', 22), groups }, 256),
    expiresAt: now + 3600,
    issuedAt: now,
  };
}

/** The session as bffkit holds it (SessionData). Anchors seal JSON.stringify of this same object. */
export function sessionOf(tokens, now) {
  return { id: randomBytes(16).toString('base64url'), user: USER, tokens, createdAt: now, lastActiveAt: now };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * A bffkit instance whose backend adapter hands out `tokens` in-process, so a real login through
 * `handleAuth` produces the real cookie for exactly this session (the public API, no internals).
 */
export async function bffWithTokens(tokensFor, { baseUrl = 'https://app.example.com' } = {}) {
  const options = {
    secret: 'YmVuY2gtc2VjcmV0LWZvci1iZmZraXQtYmVuY2htYXJrcw',
    baseUrl,
    logger: silentLogger,
    backend: {
      kind: 'bench',
      login: async () => ({ ok: true, value: tokensFor() }),
      refresh: async () => ({ ok: false, reason: 'rejected' }),
      user: async () => ({ ok: true, value: USER }),
    },
  };
  const bff = createBff(options);
  const origin = new URL(baseUrl).origin;
  /** Logs in and answers the Set-Cookie lines. */
  async function login() {
    const res = await bff.handleAuth(
      new Request(`${origin}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf': '1', origin },
        body: JSON.stringify({ email: USER.email, password: 'x' }),
      }),
    );
    if (res.status !== 200) throw new Error(`in-process login failed: ${res.status} ${await res.text()}`);
    return res.headers.getSetCookie();
  }
  return { bff, login, options };
}

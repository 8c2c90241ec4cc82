import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { decodeJwt } from 'jose';
import type { AppDeps, AppEnv } from './deps';
import { DPOP_ALGS } from './dpop';
import { problem, type BackendErrorCode } from './http';
import type { UserRow } from './users';

type Scheme = 'Bearer' | 'DPoP';

/** RFC 6750 section 3 / RFC 9449 section 7.1: every rejection names the error in WWW-Authenticate. */
function challenge(scheme: Scheme, error: string, description?: string): Record<string, string> {
  const params = [`error="${error}"`, ...(description ? [`error_description="${description}"`] : [])];
  if (scheme === 'DPoP') params.push(`algs="${DPOP_ALGS.join(' ')}"`);
  return { 'www-authenticate': `${scheme} ${params.join(', ')}` };
}

const TOKEN = /^(Bearer|DPoP) +([A-Za-z0-9._~+/-]+=*) *$/i;

function parse(header: string | undefined): { scheme: Scheme; token: string } | null {
  const match = header === undefined ? null : TOKEN.exec(header);
  if (!match?.[2]) return null;
  return { scheme: match[1]!.toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token: match[2] };
}

/** Claims as the client sent them (unverified), for the received-token log only. */
function peek(token: string): { aud: string | string[] | null; jti: string | null } {
  try {
    const { aud, jti } = decodeJwt(token);
    return { aud: aud ?? null, jti: typeof jti === 'string' ? jti : null };
  } catch {
    return { aud: null, jti: null };
  }
}

type Outcome =
  | { ok: true; user?: UserRow; machineClient?: string; acr?: string; authTime?: number }
  | { ok: false; status: 401; code: BackendErrorCode; message: string; headers: Record<string, string> };

const refuse = (code: BackendErrorCode, message: string, headers: Record<string, string>): Outcome => ({ ok: false, status: 401, code, message, headers });

async function authenticate(deps: AppDeps, c: Context<AppEnv>, scheme: Scheme, token: string, machine: boolean): Promise<Outcome> {
  const own = deps.acceptOwnTokens ? await deps.accessTokens.verify(token) : ({ status: 'invalid' } as const);
  // Not one of ours: maybe the configured OpenID provider's (its users are found by e-mail).
  const provider = own.status === 'invalid' && deps.providerTokens ? await deps.providerTokens.verify(token) : undefined;
  if (own.status === 'expired' || provider?.status === 'expired') {
    deps.stats.bump('expired_token_requests');
    return refuse('token_expired', 'The access token has expired.', challenge(scheme, 'invalid_token', 'The access token expired'));
  }
  const id = own.status === 'valid' && /^\d{1,15}$/.test(own.claims.sub) ? Number(own.claims.sub) : 0;
  const user = id > 0 ? deps.users.findById(id) : provider?.status === 'valid' && provider.email ? deps.users.findByEmail(provider.email) : undefined;
  // A machine token (client credentials) is accepted only where the route says so.
  const machineClient = machine && provider?.status === 'valid' ? provider.machineClient : undefined;
  if (!user && !machineClient) {
    deps.stats.bump('invalid_token_requests');
    return refuse('invalid_token', 'The access token is invalid.', challenge(scheme, 'invalid_token'));
  }
  const jkt = provider?.status === 'valid' ? provider.jkt : undefined;
  if (jkt === undefined) {
    if (scheme === 'Bearer') return { ok: true, ...(user ? { user } : { machineClient }), ...claimsOf(provider) };
    deps.stats.bump('invalid_token_requests');
    return refuse('invalid_token', 'The access token is not DPoP-bound: send it with the Bearer scheme.', challenge('Bearer', 'invalid_token', 'The access token is not DPoP-bound'));
  }
  // A DPoP-bound token is worthless without the key: as a Bearer token (stolen, replayed) it is refused.
  if (scheme === 'Bearer') {
    deps.stats.bump('dpop_rejections');
    return refuse('invalid_token', 'The access token is DPoP-bound: send it with the DPoP scheme and a proof.', challenge('DPoP', 'invalid_token', 'The access token is DPoP-bound'));
  }
  const check = await deps.dpop.verify({ proof: c.req.header('dpop') ?? null, method: c.req.method, url: c.req.url, accessToken: token, jkt });
  if (!check.ok) {
    deps.stats.bump('dpop_rejections');
    const nonce = check.error === 'use_dpop_nonce' ? deps.dpop.currentNonce() : null;
    return refuse(check.error, check.description, { ...challenge('DPoP', check.error, check.description), ...(nonce ? { 'dpop-nonce': nonce } : {}) });
  }
  deps.stats.bump('dpop_requests');
  return { ok: true, ...(user ? { user } : { machineClient }), ...claimsOf(provider) };
}

function claimsOf(provider: Awaited<ReturnType<NonNullable<AppDeps['providerTokens']>['verify']>> | undefined) {
  if (provider?.status !== 'valid') return {};
  return { ...(provider.acr ? { acr: provider.acr } : {}), ...(provider.authTime ? { authTime: provider.authTime } : {}) };
}

/**
 * Middleware that requires an access token and loads the user into `c.var.user` (and how they
 * authenticated into `c.var.auth`, for step-up). `Authorization: Bearer <jwt>` for plain tokens;
 * a token bound to a DPoP key (`cnf.jkt`, RFC 9449) needs `Authorization: DPoP <jwt>` and a valid
 * `DPoP` proof. Missing/malformed/forged → 401 invalid_token; expired → 401 token_expired; a bad
 * proof → 401 invalid_dpop_proof (or use_dpop_nonce with a `DPoP-Nonce`).
 *
 * With `machine: true` the route also takes the provider's client-credentials tokens (no user): then
 * `c.var.client` names the client instead of `c.var.user`.
 *
 * @example
 * app.use('/notes/*', requireBearer(deps));
 */
export function requireBearer(deps: AppDeps, options: { machine?: boolean } = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (header !== undefined) deps.stats.bump('bearer_requests');
    const parsed = parse(header);
    if (!parsed) {
      deps.stats.bump('invalid_token_requests');
      return problem(c, 401, 'invalid_token', 'A valid bearer access token is required.', challenge('Bearer', 'invalid_token'));
    }
    const outcome = await authenticate(deps, c, parsed.scheme, parsed.token, options.machine === true);
    deps.stats.receivedToken({
      sha256: createHash('sha256').update(parsed.token).digest('base64url'),
      scheme: parsed.scheme,
      path: c.req.path,
      ...peek(parsed.token),
      accepted: outcome.ok,
    });
    if (!outcome.ok) return problem(c, outcome.status, outcome.code, outcome.message, outcome.headers);
    if (outcome.user) c.set('user', outcome.user);
    if (outcome.machineClient) c.set('client', outcome.machineClient);
    c.set('auth', { scheme: parsed.scheme, ...(outcome.acr ? { acr: outcome.acr } : {}), ...(outcome.authTime ? { authTime: outcome.authTime } : {}) });
    await next();
    // RFC 9449 section 9: a fresh nonce may ride on any answer; the client uses it for its next proof.
    const nonce = parsed.scheme === 'DPoP' ? deps.dpop.currentNonce() : null;
    if (nonce) c.res.headers.set('dpop-nonce', nonce);
  };
}

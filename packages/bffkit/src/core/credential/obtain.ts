/**
 * The credential one upstream gets for one session, by the upstream's token policy: the session's
 * own token, a token for a resource (obtained with the refresh token, single flight shared with the
 * session's refresh), an exchanged token (single flight per session and policy), a machine token,
 * or none. Tokens obtained here go into the session's `upstreamTokens` under the policy's cache key
 * (the caller writes the session when it changed), and are only ever handed to the same policy.
 */
import type { BffContext } from '../context';
import { transientError } from '../backends/failure';
import type { BackendResult } from '../backends/adapter';
import type { BffError } from '../errors';
import { accessTokenDue } from '../session/lifetime';
import type { SessionData, UpstreamToken } from '../types';
import { NO_CREDENTIAL, type CallCredential } from './credential';
import type { ResolvedTokenPolicy } from './policy';

/** Most successor hops followed for one resource token (as loadSession does for the session's own). */
const MAX_HOPS = 3;

/** What the call gets: a credential (and the session, changed when a token was obtained), or why not. */
export type CredentialResult =
  | { ok: true; credential: CallCredential; session: SessionData }
  /** The refresh token was refused: the session is over. */
  | { ok: false; ended: true }
  | { ok: false; ended: false; error: BffError };

/**
 * The credential for `policy`. `force` asks for a new token (the upstream refused the last one).
 * For the `session` policy the session's own token is used as is (its refresh is loadSession's).
 *
 * @example
 * const result = await credentialFor(ctx, upstream.token, loaded.session, false);
 */
export async function credentialFor(ctx: BffContext, policy: ResolvedTokenPolicy, session: SessionData, force: boolean): Promise<CredentialResult> {
  if (policy.kind === 'none') return { ok: true, credential: NO_CREDENTIAL, session };
  if (policy.kind === 'session') return { ok: true, credential: credentialOf(session.tokens, session), session };
  if (policy.kind === 'clientCredentials') {
    const got = await ctx.machineTokens.get(policy, force);
    if (!got.ok) return failed(ctx, got, policy.cacheKey);
    const dpopKey = got.value.tokenType === 'DPoP' ? await ctx.machineTokens.dpopKey() : undefined;
    return { ok: true, credential: credentialOf(got.value, dpopKey ? { dpopKey } : {}), session };
  }
  const now = ctx.config.clock();
  const cached = session.upstreamTokens?.[policy.cacheKey];
  if (cached && !force && !accessTokenDue(cached, now, ctx.config.refreshSkew)) return { ok: true, credential: credentialOf(cached, session), session };

  let token: UpstreamToken;
  let next = session;
  if (policy.kind === 'resource') {
    const refreshToken = session.tokens.refreshToken;
    if (!refreshToken) return failed(ctx, { ok: false, reason: 'unavailable', problem: 'the session has no refresh token to obtain resource tokens with (ask for offline_access)' }, policy.cacheKey);
    const options = { resource: policy.resource, ...(policy.scope ? { scope: policy.scope } : {}), ...(session.dpopKey ? { dpopKey: session.dpopKey } : {}) };
    let outcome = await ctx.refresher.refresh(refreshToken, options);
    // A successor record that is due again names a newer refresh token: follow it (never send a due token).
    for (let hop = 0; hop < MAX_HOPS && outcome.ok && outcome.tokens.refreshToken && outcome.tokens.refreshToken !== refreshToken && accessTokenDue(outcome.tokens, now, ctx.config.refreshSkew); hop++) {
      outcome = await ctx.refresher.refresh(outcome.tokens.refreshToken, options);
    }
    if (!outcome.ok) {
      if (outcome.reason === 'rejected') return { ok: false, ended: true };
      return failed(ctx, outcome, policy.cacheKey);
    }
    const t = outcome.tokens;
    token = { accessToken: t.accessToken, expiresAt: t.expiresAt, issuedAt: t.issuedAt, ...(t.tokenType ? { tokenType: t.tokenType } : {}) };
    // The provider may have rotated the refresh token: the session keeps the newest.
    next = { ...session, tokens: { ...session.tokens, refreshToken: t.refreshToken ?? refreshToken } };
  } else {
    const subjectToken = policy.subject === 'id_token' ? session.tokens.idToken : session.tokens.accessToken;
    const { backend } = ctx.config;
    if (!subjectToken || !backend.exchangeToken) {
      return failed(ctx, { ok: false, reason: 'unavailable', problem: subjectToken ? 'the backend adapter has no token exchange' : 'the session has no ID token to exchange' }, policy.cacheKey);
    }
    const got = await ctx.exchanges.run(`${session.id} ${policy.cacheKey}`, () =>
      backend.exchangeToken!({
        subjectToken,
        subjectTokenType: policy.subjectTokenType,
        ...(policy.audience ? { audience: policy.audience } : {}),
        ...(policy.resource ? { resource: policy.resource } : {}),
        ...(policy.scope ? { scope: policy.scope } : {}),
        ...(policy.requestedTokenType ? { requestedTokenType: policy.requestedTokenType } : {}),
        ...(session.dpopKey ? { dpopKey: session.dpopKey } : {}),
      }),
    );
    if (!got.ok) return failed(ctx, got, policy.cacheKey);
    token = got.value;
  }
  next = { ...next, upstreamTokens: { ...session.upstreamTokens, [policy.cacheKey]: token } };
  return { ok: true, credential: credentialOf(token, next), session: next };
}

/**
 * The credential of a token: DPoP with the key when the token is bound to one, else Bearer.
 *
 * @example
 * credentialOf(session.tokens, session) // { token, scheme: 'DPoP', dpopKey }
 */
export function credentialOf(token: Pick<UpstreamToken, 'accessToken' | 'tokenType'>, holder: Pick<SessionData, 'dpopKey'>): CallCredential {
  if (token.tokenType === 'DPoP' && holder.dpopKey) return { token: token.accessToken, scheme: 'DPoP', dpopKey: holder.dpopKey };
  return { token: token.accessToken, scheme: 'Bearer' };
}

function failed(ctx: BffContext, result: Extract<BackendResult<unknown>, { ok: false }>, what: string): CredentialResult {
  // The policy's cache key names the API (a resource URI or audience), never a token.
  ctx.config.logger.warn(`no token for upstream policy ${what.slice(0, 200)}: ${result.problem ?? result.reason}`);
  return { ok: false, ended: false, error: transientError(result.reason === 'timeout' ? 'timeout' : 'unavailable') };
}

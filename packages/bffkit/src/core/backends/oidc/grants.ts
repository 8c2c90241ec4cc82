/**
 * The token endpoint grants of the OpenID Connect adapter beyond the code exchange: refresh (for the
 * session, or for another resource), token exchange (RFC 8693) and client credentials. Each is proved
 * with a DPoP key when given, and retried once on a DPoP nonce challenge.
 */
import * as oauth from 'oauth4webapi';
import type { TokenSet, UpstreamToken } from '../../types';
import type { BackendResult, ClientCredentialsRequest, RefreshOptions, TokenExchangeRequest } from '../adapter';
import { failureOf } from './outcome';
import { withNonceRetry, type OidcRuntime } from './runtime';
import { fromTokenEndpoint, resourceParams, toUpstreamToken } from './tokens';

/** RFC 8693's grant type. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/**
 * A refresh-token grant. For the session's own token, any refusal is `rejected` (the session ends).
 * For another resource only `invalid_grant` is: a provider that refuses the resource (`invalid_target`,
 * `invalid_scope`) is misconfigured, and that must not sign the user out.
 *
 * @example
 * const fresh = await refreshGrant(rt, refreshToken, { resource: 'urn:billing', dpopKey });
 */
export async function refreshGrant(rt: OidcRuntime, refreshToken: string, options: RefreshOptions = {}): Promise<BackendResult<TokenSet>> {
  const as = await rt.metadata();
  if (!as.ok) return as;
  try {
    const auth = await rt.clientAuth();
    const dpop = await rt.dpop(options.dpopKey);
    const now = rt.clock();
    const extra: [string, string][] = options.resource ? [['resource', options.resource]] : (resourceParams(rt.o).additionalParameters ?? []);
    if (options.scope) extra.push(['scope', options.scope]);
    const answer = await withNonceRetry(async () => {
      const response = await oauth.refreshTokenGrantRequest(as.value, rt.client, auth, refreshToken, { ...rt.http(), ...dpop, additionalParameters: extra });
      const processed = await oauth.processRefreshTokenResponse(as.value, rt.client, response);
      if (processed.id_token) await oauth.validateApplicationLevelSignature(as.value, response, rt.http());
      return processed;
    });
    return { ok: true, value: fromTokenEndpoint(answer, now, { refreshToken }) };
  } catch (error) {
    return refusal(error, options.resource ? `resource ${options.resource}` : undefined);
  }
}

/**
 * A token exchange for another audience. A refusal is never `rejected`: the session's own tokens are
 * still good, only this upstream cannot be reached with them.
 *
 * @example
 * const token = await exchangeGrant(rt, { subjectToken, subjectTokenType: ACCESS_TOKEN_TYPE, audience });
 */
export async function exchangeGrant(rt: OidcRuntime, request: TokenExchangeRequest): Promise<BackendResult<UpstreamToken>> {
  const params = new URLSearchParams({ subject_token: request.subjectToken, subject_token_type: request.subjectTokenType });
  if (request.audience) params.set('audience', request.audience);
  if (request.resource) params.set('resource', request.resource);
  if (request.scope) params.set('scope', request.scope);
  if (request.requestedTokenType) params.set('requested_token_type', request.requestedTokenType);
  return upstreamGrant(rt, request.dpopKey, `token exchange for ${request.audience ?? request.resource}`, async (as, auth, dpop) =>
    oauth.processGenericTokenEndpointResponse(as, rt.client, await oauth.genericTokenEndpointRequest(as, rt.client, auth, TOKEN_EXCHANGE_GRANT, params, { ...rt.http(), ...dpop })),
  );
}

/**
 * A client-credentials grant (a machine token, no user).
 *
 * @example
 * const token = await clientCredentialsGrant(rt, { scope: 'rates' });
 */
export function clientCredentialsGrant(rt: OidcRuntime, request: ClientCredentialsRequest): Promise<BackendResult<UpstreamToken>> {
  const params = new URLSearchParams();
  if (request.scope) params.set('scope', request.scope);
  if (request.resource) params.set('resource', request.resource);
  if (request.audience) params.set('audience', request.audience);
  return upstreamGrant(rt, request.dpopKey, 'client credentials', async (as, auth, dpop) =>
    oauth.processClientCredentialsResponse(as, rt.client, await oauth.clientCredentialsGrantRequest(as, rt.client, auth, params, { ...rt.http(), ...dpop })),
  );
}

async function upstreamGrant(
  rt: OidcRuntime,
  dpopKey: TokenExchangeRequest['dpopKey'],
  what: string,
  send: (as: oauth.AuthorizationServer, auth: oauth.ClientAuth, dpop: { DPoP?: oauth.DPoPHandle }) => Promise<oauth.TokenEndpointResponse>,
): Promise<BackendResult<UpstreamToken>> {
  const as = await rt.metadata();
  if (!as.ok) return as;
  try {
    const [auth, dpop, now] = [await rt.clientAuth(), await rt.dpop(dpopKey), rt.clock()];
    return { ok: true, value: toUpstreamToken(await withNonceRetry(() => send(as.value, auth, dpop)), now) };
  } catch (error) {
    const refused = refusal(error, what);
    return refused.reason === 'rejected' ? { ok: false, reason: 'unavailable', problem: refused.problem } : refused;
  }
}

/**
 * A failed grant as a result. With `what` (a grant for one upstream) only `invalid_grant` is a
 * rejection, and any other OAuth error names itself in `problem` (the error code, never a token).
 */
function refusal(error: unknown, what: string | undefined): { ok: false; reason: 'rejected' | 'unavailable' | 'timeout'; problem?: string } {
  const failure = failureOf(error);
  if (what && error instanceof oauth.ResponseBodyError && error.error !== 'invalid_grant') {
    return { ok: false, reason: 'unavailable', problem: `the provider refused the ${what}: ${error.error.replace(/[^\w.-]/g, '').slice(0, 60)}` };
  }
  return { ok: false, reason: failure === 'invalid' ? 'unavailable' : failure };
}

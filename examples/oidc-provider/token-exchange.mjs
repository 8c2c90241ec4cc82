/**
 * OAuth 2.0 Token Exchange (RFC 8693) as an extra grant of the token endpoint: the client presents an
 * access token this provider issued to it (`subject_token`) and gets one for another API (`audience`
 * or `resource`), for the same user and with the same authentication level (`acr`, `amr`,
 * `auth_time`). Impersonation only: actor tokens (delegation) are refused.
 */
import { errors as joseErrors, jwtVerify } from 'jose';
import { errors } from 'oidc-provider';
// Why the deep imports: oidc-provider validates DPoP proofs (nonce, replay, htu) inside its own grants and
// exports no helper for custom grants. A custom grant that binds its token to the client's DPoP key has
// to run the same checks; oidc-provider 9 has no "exports" map, so these modules are reachable as is.
import validateDpop, { checkDpopReplay } from 'oidc-provider/lib/helpers/validate_dpop.js';
import { checkDpopRequired } from 'oidc-provider/lib/helpers/sender_constraints.js';
import { serverInfo } from './resources.mjs';

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

const PARAMETERS = ['audience', 'resource', 'scope', 'requested_token_type', 'subject_token', 'subject_token_type', 'actor_token', 'actor_token_type'];
/** RFC 8693 section 2.1: `audience` and `resource` may repeat. */
const REPEATABLE = ['audience', 'resource'];

const list = (value) => (value === undefined ? [] : [value].flat());

/** The one API the exchanged token is for: named by `audience` and/or `resource`, all naming the same. */
function target(params, apis) {
  const named = [...new Set([...list(params.audience), ...list(params.resource)])];
  if (named.length === 0) throw new errors.InvalidRequest("token exchange needs an 'audience' or 'resource'");
  if (named.length > 1) throw new errors.InvalidTarget('only one audience per exchanged token');
  const api = apis.get(named[0]);
  if (!api) throw new errors.InvalidTarget(`unknown audience or resource "${named[0]}"`);
  return { indicator: named[0], api };
}

/** `scope` must stay within the target API's scopes; none asked means all of them. */
function scopeFor(params, api) {
  const allowed = new Set(api.scope.split(' '));
  if (params.scope === undefined) return api.scope;
  const asked = params.scope.split(' ').filter(Boolean);
  const outside = asked.filter((s) => !allowed.has(s));
  if (outside.length) throw new errors.InvalidScope(`scope not available for this audience: ${outside.join(' ')}`, outside.join(' '));
  return asked.join(' ') || undefined;
}

/** RFC 8693 section 2.2.2: a subject token that is invalid or unacceptable answers `invalid_request`. */
async function subjectClaims(provider, params, client, verifyKey, alg) {
  if (!params.subject_token) throw new errors.InvalidRequest("missing required parameter 'subject_token'");
  if (!params.subject_token_type) throw new errors.InvalidRequest("missing required parameter 'subject_token_type'");
  if (params.subject_token_type !== ACCESS_TOKEN_TYPE) throw new errors.InvalidRequest(`unsupported subject_token_type (supported: ${ACCESS_TOKEN_TYPE})`);
  let payload;
  try {
    ({ payload } = await jwtVerify(params.subject_token, verifyKey, { issuer: provider.issuer, typ: 'at+jwt', algorithms: [alg], requiredClaims: ['sub', 'exp', 'client_id'] }));
  } catch (error) {
    const why = error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid';
    throw new errors.InvalidRequest(`subject_token is ${why}`);
  }
  if (payload.client_id !== client.clientId) throw new errors.InvalidRequest('subject_token was not issued to this client');
  return payload;
}

/**
 * Registers the grant. `verifyKey`/`alg`: the provider's own access-token signing key, so only its own
 * JWT access tokens are accepted as subject tokens.
 *
 * @example
 * registerTokenExchange(provider, { apis, verifyKey: publicKey, alg: 'RS256' });
 */
export function registerTokenExchange(provider, { apis, verifyKey, alg }) {
  async function tokenExchange(ctx) {
    const { params, client } = ctx.oidc;
    if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN_TYPE) {
      throw new errors.InvalidRequest(`unsupported requested_token_type (supported: ${ACCESS_TOKEN_TYPE})`);
    }
    if (params.actor_token !== undefined || params.actor_token_type !== undefined) {
      throw new errors.InvalidRequest('actor tokens (delegation) are not supported');
    }
    const dPoP = await validateDpop(provider, ctx);
    const subject = await subjectClaims(provider, params, client, verifyKey, alg);
    const { indicator, api } = target(params, apis);

    const token = new provider.AccessToken({ accountId: subject.sub, client, gty: 'token_exchange', scope: scopeFor(params, api) });
    token.resourceServer = new provider.ResourceServer(indicator, serverInfo(api));
    checkDpopRequired(provider, ctx, dPoP);
    if (dPoP) {
      await checkDpopReplay(provider, ctx, dPoP, client.clientId);
      token.setThumbprint('jkt', dPoP.thumbprint);
    }
    // Read by extraTokenClaims: the exchanged token keeps the subject's authentication level.
    ctx.oidc.entity('SubjectToken', subject);
    ctx.oidc.entity('AccessToken', token);
    const value = await token.save();
    ctx.body = {
      access_token: value,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: token.tokenType,
      expires_in: token.expiration,
      ...(token.scope ? { scope: token.scope } : {}),
    };
  }
  provider.registerGrantType(TOKEN_EXCHANGE, tokenExchange, PARAMETERS, REPEATABLE);
}

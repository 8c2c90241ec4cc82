/**
 * Per-upstream token policy: which token each upstream gets. Validated once, with the upstream.
 */
import { ConfigError } from '../errors';

/** RFC 8693 token type URIs by short name. */
export const TOKEN_TYPES = {
  access_token: 'urn:ietf:params:oauth:token-type:access_token',
  id_token: 'urn:ietf:params:oauth:token-type:id_token',
  jwt: 'urn:ietf:params:oauth:token-type:jwt',
} as const;

/**
 * Which token an upstream gets (`upstreams.<name>.token`):
 * - `'session'`: the session's own access token (the default);
 * - `{ resource, scope? }`: a token for that resource indicator (RFC 8707), obtained with the
 *   session's refresh token, cached with the session and refreshed with the same single flight;
 * - `{ exchange: { audience?, resource?, scope?, subjectTokenType?, requestedTokenType? } }`: a token
 *   exchanged for the session's access (or ID) token (RFC 8693), cached with the session until it expires;
 * - `{ clientCredentials: { scope?, resource?, audience? } }`: the app's own machine token (no user),
 *   cached per process until it expires (a session is still required to call through the BFF);
 * - `'none'`: no Authorization at all.
 * A token obtained for one policy is only ever sent to the upstreams with that same policy.
 */
export type UpstreamTokenPolicy =
  | 'session'
  | 'none'
  | { resource: string; scope?: string }
  | { exchange: { audience?: string; resource?: string; scope?: string; subjectTokenType?: keyof typeof TOKEN_TYPES; requestedTokenType?: string } }
  | { clientCredentials: { scope?: string; resource?: string; audience?: string } };

/** A validated policy. `cacheKey` names the token in the session (or the machine-token cache). */
export type ResolvedTokenPolicy =
  | { kind: 'session' }
  | { kind: 'none' }
  | { kind: 'resource'; cacheKey: string; resource: string; scope?: string }
  | { kind: 'exchange'; cacheKey: string; audience?: string; resource?: string; scope?: string; subject: 'access_token' | 'id_token'; subjectTokenType: string; requestedTokenType?: string }
  | { kind: 'clientCredentials'; cacheKey: string; scope?: string; resource?: string; audience?: string };

const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/;

/**
 * Validates a policy; throws {@link ConfigError} naming the field.
 *
 * @example
 * resolveTokenPolicy('upstreams.billing.token', { resource: 'urn:bffkit:billing-api' });
 */
export function resolveTokenPolicy(field: string, policy: UpstreamTokenPolicy | undefined): ResolvedTokenPolicy {
  if (policy === undefined || policy === 'session') return { kind: 'session' };
  if (policy === 'none') return { kind: 'none' };
  if (typeof policy !== 'object' || policy === null) throw new ConfigError(field, "must be 'session', 'none', { resource }, { exchange } or { clientCredentials }");
  const kinds = ['resource', 'exchange', 'clientCredentials'].filter((k) => k in policy);
  if (kinds.length !== 1) throw new ConfigError(field, 'must name exactly one of resource, exchange, clientCredentials');
  if ('resource' in policy) {
    const resource = uri(`${field}.resource`, policy.resource, true)!;
    const scope = scopeOf(`${field}.scope`, policy.scope);
    return { kind: 'resource', cacheKey: `r:${resource}${scope ? ` ${scope}` : ''}`, resource, ...(scope ? { scope } : {}) };
  }
  if ('exchange' in policy) {
    const x = policy.exchange ?? {};
    const audience = text(`${field}.exchange.audience`, x.audience);
    const resource = uri(`${field}.exchange.resource`, x.resource, false);
    if (!audience && !resource) throw new ConfigError(`${field}.exchange`, 'needs an audience or a resource');
    const scope = scopeOf(`${field}.exchange.scope`, x.scope);
    const subject = x.subjectTokenType ?? 'access_token';
    if (!Object.hasOwn(TOKEN_TYPES, subject)) throw new ConfigError(`${field}.exchange.subjectTokenType`, `must be one of ${Object.keys(TOKEN_TYPES).join(', ')}`);
    const requestedTokenType = uri(`${field}.exchange.requestedTokenType`, x.requestedTokenType, false);
    return {
      kind: 'exchange',
      cacheKey: `x:${[audience ?? '', resource ?? '', scope ?? '', subject].join('|')}`,
      subject: subject === 'id_token' ? 'id_token' : 'access_token',
      subjectTokenType: TOKEN_TYPES[subject],
      ...(audience ? { audience } : {}),
      ...(resource ? { resource } : {}),
      ...(scope ? { scope } : {}),
      ...(requestedTokenType ? { requestedTokenType } : {}),
    };
  }
  const c = policy.clientCredentials ?? {};
  const audience = text(`${field}.clientCredentials.audience`, c.audience);
  const resource = uri(`${field}.clientCredentials.resource`, c.resource, false);
  const scope = scopeOf(`${field}.clientCredentials.scope`, c.scope);
  return {
    kind: 'clientCredentials',
    cacheKey: `c:${[audience ?? '', resource ?? '', scope ?? ''].join('|')}`,
    ...(audience ? { audience } : {}),
    ...(resource ? { resource } : {}),
    ...(scope ? { scope } : {}),
  };
}

function uri(field: string, value: unknown, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || !URL.canParse(value) || value.includes('#') || value.length > 2048) {
    throw new ConfigError(field, 'must be an absolute URI without a fragment');
  }
  return value;
}

function text(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > 2048 || /[\u0000-\u001f]/.test(value)) throw new ConfigError(field, 'must be a non-empty string');
  return value;
}

function scopeOf(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !SCOPE.test(value)) throw new ConfigError(field, 'must be scope names separated by single spaces');
  return value;
}

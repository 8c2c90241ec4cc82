import type { SessionUser, TokenSet } from '../types';
import type { BackendAdapter, BackendResult, LoginContext, LoginCredentials, RevokeOutcome } from './adapter';
import { callBackend, isObject, unparseable, type Answer } from './backend-call';
import { backendFailure } from './classify';
import { resolveCredentialsOptions } from './credentials-options';
import type { CredentialsBackendOptions, ResolvedCredentials } from './credentials-types';
import { safeKeys } from './diagnostics';
import { readPath } from './field-path';
import { unverifiedClaims } from './jwt-claims';
import { missingField, tokensFrom } from './token-answer';

export { TOKEN_FIELDS } from './credentials-types';
export type { CredentialsBackendOptions, TokenFieldMapping } from './credentials-types';

/** The adapter `credentialsBackend` returns: a {@link BackendAdapter} plus its validated options (for `check-backend`). */
export interface CredentialsBackend extends BackendAdapter {
  readonly kind: 'credentials';
  readonly options: ResolvedCredentials;
  login(credentials: LoginCredentials, context?: LoginContext): Promise<BackendResult<TokenSet>>;
  revoke(tokens: TokenSet): Promise<BackendResult<RevokeOutcome>>;
}

/**
 * A backend adapter for REST APIs that log in with credentials and answer tokens: one options
 * object, validated at start-up, with a preset for common backends (`oauth2`, the default;
 * `simplejwt`, `betterAuth`, `payload`) and field paths, expiry units, login field names, refresh and
 * logout styles and the Authorization scheme for everything else. Every failure is a value with a
 * diagnostic (logged once per spell by the core).
 *
 * @example
 * const backend = credentialsBackend({ url: 'http://127.0.0.1:8000', preset: 'simplejwt' });
 */
export function credentialsBackend(options: CredentialsBackendOptions): CredentialsBackend {
  const o = resolveCredentialsOptions(options);
  // The user of a login answer, for the user() call the login route makes right after (user.from: 'login').
  const fromLogin = new WeakMap<TokenSet, unknown>();
  const mapUser = o.user.map ?? defaultMapUser;

  async function refresh(refreshToken: string): Promise<BackendResult<TokenSet>> {
    const { mode, path, field, tokens } = o.refresh;
    if (mode === 'none' || path === false) return backendFailure('rejected');
    const r = await callBackend(o, {
      step: 'refresh', method: 'POST', path,
      ...(mode === 'body' ? { body: { [field]: refreshToken }, encoding: 'json' as const } : { credential: refreshToken }),
    });
    // A backend that does not rotate answers no refresh token: keep using the current one.
    return r.ok ? tokensFrom(o, 'refresh', r.value, tokens, { refreshToken }) : r;
  }

  function mapped(raw: unknown, answer: Answer | undefined): BackendResult<SessionUser> {
    try {
      if (!isObject(raw)) throw new TypeError('not an object');
      return { ok: true, value: mapUser(raw) };
    } catch {
      return backendFailure('unavailable', {
        step: 'user', kind: 'user-unmappable', ...(answer ? { request: answer.request, status: answer.status } : {}),
        problem: `the user (${o.user.from}${o.user.field ? ` at \`${o.user.field}\`` : ''}) could not be mapped; it has keys: ${safeKeys(raw).join(', ') || 'none'}`,
        hint: "set user.field to the path of the user object, or user.map to build { id, email?, name? } from it",
      });
    }
  }

  async function userFromEndpoint(tokens: TokenSet, path: string): Promise<BackendResult<SessionUser>> {
    const r = await callBackend(o, { step: 'user', method: 'GET', path, credential: tokens.accessToken });
    if (!r.ok) return r;
    const answer = r.value;
    if (answer.data !== null && !isObject(answer.data)) return unparseable('user', answer);
    const raw = answer.data === null ? null : readPath(answer.data, o.user.field);
    if (raw === null) {
      // 200 `null` / `{ user: null }`: how better-auth and Payload say "this token is not signed in".
      return backendFailure('rejected', {
        step: 'user', kind: 'signed-out', request: answer.request, status: answer.status,
        problem: `${answer.request} answered ${answer.status} with no user${o.user.field ? ` (\`${o.user.field}\` is null)` : ' (null)'}: it did not accept the token`,
        hint: `check authScheme (sent '${o.authScheme}') and that user.path answers for this token`,
      });
    }
    if (raw === undefined) return missingField('user', answer, 'user.field', o.user.field);
    return mapped(raw, answer);
  }

  async function revoke(tokens: TokenSet): Promise<BackendResult<RevokeOutcome>> {
    const { mode, path, field, requiresLiveToken } = o.logout;
    if (mode === 'none' || path === false) return { ok: true, value: 'not-needed' };
    let current = tokens;
    const bearer = mode === 'bearer' || mode === 'both';
    if (bearer && requiresLiveToken && current.expiresAt <= o.clock()) {
      // Every token of a backend that refreshes with the access token has expired with it: nothing live is left.
      if (o.refresh.mode === 'access-token' || o.refresh.mode === 'none' || !current.refreshToken) return { ok: true, value: 'not-needed' };
      const fresh = await refresh(current.refreshToken);
      if (!fresh.ok) return fresh.reason === 'rejected' ? { ok: true, value: 'not-needed' } : backendFailure(fresh.reason, fresh.diagnostic && { ...fresh.diagnostic, step: 'logout' });
      current = fresh.value;
    }
    const withBody = mode === 'body' || mode === 'both';
    if (withBody && !current.refreshToken) return { ok: true, value: 'not-needed' };
    const r = await callBackend(o, {
      step: 'logout', method: 'POST', path,
      ...(withBody ? { body: { [field]: current.refreshToken }, encoding: 'json' as const } : {}),
      ...(bearer ? { credential: current.accessToken } : {}),
    });
    return r.ok ? { ok: true, value: 'revoked' } : r;
  }

  return {
    kind: 'credentials',
    options: o,
    loginForm: { fields: [...new Set(o.login.fields.map(([, browser]) => browser))], identity: o.login.identity },
    rejectedStatuses: o.rejectedStatuses,
    // Reading claims trusts the token; asking the user endpoint does not (token handoff needs the latter).
    userVerifiesToken: o.user.path !== false && o.user.from !== 'claims',
    async login(credentials, context) {
      const body: Record<string, unknown> = {};
      for (const [backend, browser] of o.login.fields) body[backend] = credentials[browser];
      const headers: Record<string, string> = o.clientIpHeader && context?.clientIp ? { [o.clientIpHeader]: context.clientIp } : {};
      const r = await callBackend(o, { step: 'login', method: 'POST', path: o.login.path, body, encoding: o.login.encoding, headers, sent: Object.keys(body) });
      if (!r.ok) return r;
      const tokens = tokensFrom(o, 'login', r.value, o.tokens);
      if (tokens.ok && o.user.from === 'login') fromLogin.set(tokens.value, { answer: r.value });
      return tokens;
    },
    refresh,
    revoke,
    async user(tokens) {
      const login = fromLogin.get(tokens) as { answer: Answer } | undefined;
      if (login) {
        const raw = readPath(login.answer.data, o.user.field);
        return raw === undefined ? missingField('user', login.answer, 'user.field', o.user.field) : mapped(raw, login.answer);
      }
      if (o.user.from === 'claims' || o.user.path === false) {
        const claims = unverifiedClaims(tokens.accessToken);
        if (claims) return mapped(claims, undefined);
        return backendFailure('rejected', {
          step: 'user', kind: 'user-unmappable', problem: 'the access token is not a JWT, so it has no claims to read the user from',
          hint: "set user.path to the backend's user endpoint (user.from: 'endpoint'), or user.from: 'login'",
        });
      }
      return userFromEndpoint(tokens, o.user.path);
    },
  };
}

function defaultMapUser(raw: Record<string, unknown>): SessionUser {
  const id = raw.id ?? raw.sub ?? raw.user_id;
  if (typeof id !== 'string' && typeof id !== 'number') throw new TypeError('user has no id');
  const user: SessionUser = { id: String(id) };
  if (typeof raw.email === 'string') user.email = raw.email;
  const name = raw.name ?? raw.username;
  if (typeof name === 'string') user.name = name;
  return user;
}

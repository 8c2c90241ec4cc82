/**
 * The one validation of `credentialsBackend`'s options at start-up: the preset, then the v1 names,
 * then each section on top, every default applied; a {@link ConfigError} names the field (e.g.
 * `backend.tokens.access`) and the fix.
 */
import { ConfigError } from '../errors';
import { configuredUrl } from '../http/url';
import { systemClock } from '../time';
import { CREDENTIALS_PRESETS } from './credentials-presets';
import {
  TOKEN_FIELDS,
  type CredentialsBackendOptions,
  type CredentialsSections,
  type ExpiryRule,
  type Req,
  type ResolvedCredentials,
  type TokenFieldMapping,
  type TokenPaths,
} from './credentials-types';
import { fieldPath } from './field-path';

const F = 'backend';
const HEADER = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;
const RESERVED_HEADERS = new Set(['authorization', 'cookie', 'host', 'content-length', 'content-type', 'transfer-encoding', 'connection']);

/**
 * Validates `credentialsBackend` options once: preset, v1 names, then each section on top.
 *
 * @example
 * const o = resolveCredentialsOptions({ url: 'http://127.0.0.1:8000', preset: 'simplejwt' });
 */
export function resolveCredentialsOptions(options: CredentialsBackendOptions): ResolvedCredentials {
  if (!options || typeof options !== 'object') throw new ConfigError(F, 'options must be an object such as { url }');
  const base = configuredUrl(`${F}.url`, options.url);
  const presetName = options.preset ?? 'oauth2';
  const preset = Object.hasOwn(CREDENTIALS_PRESETS, presetName) ? CREDENTIALS_PRESETS[presetName] : undefined;
  if (!preset) throw new ConfigError(`${F}.preset`, `must be one of ${Object.keys(CREDENTIALS_PRESETS).join(', ')}`);
  const v1 = fromV1(options);
  const pick = <K extends 'login' | 'tokens' | 'refresh' | 'logout' | 'user'>(k: K) =>
    ({ ...(preset[k] as object), ...(v1[k] as object), ...(options[k] as object) }) as NonNullable<CredentialsSections[K]>;
  const login = pick('login');
  // New fields without a new identity: the identity is chosen again from them.
  if ((options.login?.fields ?? v1.login?.fields) && options.login?.identity === undefined) delete login.identity;
  const tokenPaths = pick('tokens');
  const refresh = pick('refresh');
  const logout = pick('logout');
  const user = pick('user');
  // A user path given without `from` means the endpoint, even over a preset that reads claims.
  if (typeof (options.user?.path ?? v1.user?.path) === 'string' && (options.user?.from ?? v1.user?.from) === undefined) user.from = 'endpoint';

  const tokens = resolveTokenPaths(`${F}.tokens`, tokenPaths);
  const refreshMode = oneOf(`${F}.refresh.mode`, refresh.mode, ['body', 'bearer', 'access-token', 'none'] as const);
  const refreshField = name(`${F}.refresh.field`, refresh.field);
  if ((refreshMode === 'body' || refreshMode === 'bearer') && tokens.refresh === false) {
    throw new ConfigError(`${F}.tokens.refresh`, `is false, but refresh.mode '${refreshMode}' needs a refresh token: set refresh.mode to 'access-token' or 'none'`);
  }
  const logoutMode = oneOf(`${F}.logout.mode`, logout.mode, ['body', 'bearer', 'both', 'none'] as const);
  if ((logoutMode === 'body' || logoutMode === 'both') && tokens.refresh === false) {
    throw new ConfigError(`${F}.logout.mode`, `'${logoutMode}' sends the refresh token, but tokens.refresh is false: use 'bearer' or 'none'`);
  }
  const from = oneOf(`${F}.user.from`, user.from, ['endpoint', 'login', 'claims'] as const);
  if (user.map !== undefined && typeof user.map !== 'function') throw new ConfigError(`${F}.user.map`, 'must be a function');
  const userPath = optionalPath(`${F}.user.path`, user.path);
  if (from === 'endpoint' && userPath === false) throw new ConfigError(`${F}.user.path`, "is false, but user.from is 'endpoint': set a path or user.from: 'claims'");
  return {
    base,
    preset: presetName,
    login: resolveLogin(login),
    tokens,
    refresh: {
      mode: refreshMode,
      path: refreshMode === 'none' ? false : requiredPath(`${F}.refresh.path`, refresh.path),
      field: refreshField,
      tokens: resolveTokenPaths(`${F}.refresh.tokens`, { ...tokens, ...refresh.tokens }),
      rotates: optionalBoolean(`${F}.refresh.rotates`, refresh.rotates),
    },
    logout: {
      mode: logoutMode,
      path: logoutMode === 'none' ? false : optionalPath(`${F}.logout.path`, logout.path),
      field: name(`${F}.logout.field`, logout.field ?? refreshField),
      requiresLiveToken: optionalBoolean(`${F}.logout.requiresLiveToken`, logout.requiresLiveToken) ?? false,
    },
    user: { from, path: userPath, field: fieldPath(`${F}.user.field`, user.field ?? (from === 'login' ? 'user' : ''), true), map: user.map },
    authScheme: scheme(options.authScheme ?? preset.authScheme ?? 'Bearer'),
    rejectedStatuses: statuses(options.rejectedStatuses ?? preset.rejectedStatuses ?? [401]),
    headers: headers(options, preset, base),
    clientIpHeader: clientIpHeader(options.clientIpHeader ?? preset.clientIpHeader ?? false),
    timeout: positive(`${F}.timeout`, options.timeout ?? 10),
    clock: options.clock ?? systemClock,
    // Late-bound: a fetch replaced after start-up (instrumentation) is still the one used.
    fetch: options.fetch ?? ((input, init) => globalThis.fetch(input, init)),
  };
}

/** The v1 option names, as sections (they sit between the preset and the v2 sections). */
function fromV1(o: CredentialsBackendOptions): CredentialsSections {
  const out: CredentialsSections = {};
  if (o.fields !== undefined) {
    const f: TokenFieldMapping | undefined =
      typeof o.fields === 'object' && o.fields !== null ? o.fields : Object.hasOwn(TOKEN_FIELDS, o.fields) ? TOKEN_FIELDS[o.fields] : undefined;
    if (!f) throw new ConfigError(`${F}.fields`, `must be one of ${Object.keys(TOKEN_FIELDS).join(', ')} or a mapping`);
    const expiry: ExpiryRule = f.expiresIn ? { path: f.expiresIn, unit: 'seconds' } : 'jwt';
    out.tokens = { access: f.accessToken, refresh: f.refreshToken, expiry };
    out.refresh = { field: f.refreshRequestField };
    out.logout = { field: f.refreshRequestField };
  }
  if (o.credentialFields !== undefined) {
    if (!Array.isArray(o.credentialFields) || o.credentialFields.length === 0) throw new ConfigError(`${F}.credentialFields`, 'must be a non-empty list of field names');
    out.login = { fields: Object.fromEntries(o.credentialFields.map((n: string) => [n, n])) };
  }
  const p = o.paths;
  if (p) {
    if (p.login !== undefined) out.login = { ...out.login, path: p.login };
    if (p.refresh !== undefined) out.refresh = { ...out.refresh, path: p.refresh };
    if (p.logout !== undefined) out.logout = { ...out.logout, ...(p.logout === false ? { mode: 'none' as const } : { path: p.logout }) };
    if (p.user !== undefined) out.user = p.user === false ? { from: 'claims', path: false } : { path: p.user };
  }
  if (o.mapUser !== undefined) out.user = { ...out.user, map: o.mapUser };
  return out;
}

function resolveLogin(login: NonNullable<CredentialsSections['login']>): ResolvedCredentials['login'] {
  const field = `${F}.login.fields`;
  const raw = login.fields;
  if (!raw || typeof raw !== 'object' || Object.keys(raw).length === 0) throw new ConfigError(field, "must map backend fields to browser fields, e.g. { username: 'email', password: 'password' }");
  const fields = Object.entries(raw).map(([backend, browser]) => [name(`${field}.${backend}`, backend), name(`${field}.${backend}`, browser)] as const);
  const identity = login.identity ?? fields.find(([b]) => !/pass/i.test(b))?.[0];
  const pair = fields.find(([b]) => b === identity);
  if (!pair) throw new ConfigError(`${F}.login.identity`, `must be one of the backend fields in login.fields (${fields.map(([b]) => b).join(', ')})`);
  return {
    path: requiredPath(`${F}.login.path`, login.path),
    fields,
    identity: pair[1],
    encoding: oneOf(`${F}.login.encoding`, login.encoding, ['json', 'form'] as const),
  };
}

function resolveTokenPaths(field: string, t: TokenPaths): Req<TokenPaths> {
  const expiry = t.expiry ?? 'jwt';
  if (expiry !== 'jwt') {
    if (!expiry || typeof expiry !== 'object') throw new ConfigError(`${field}.expiry`, "must be 'jwt', { path, unit } or { lifetime }");
    if ('lifetime' in expiry) positive(`${field}.expiry.lifetime`, expiry.lifetime);
    else {
      fieldPath(`${field}.expiry.path`, expiry.path);
      oneOf(`${field}.expiry.unit`, expiry.unit, ['seconds', 'milliseconds', 'epoch-seconds', 'epoch-ms', 'iso'] as const);
    }
  }
  return {
    access: fieldPath(`${field}.access`, t.access ?? 'access_token'),
    refresh: t.refresh === false ? false : fieldPath(`${field}.refresh`, t.refresh ?? 'refresh_token'),
    expiry,
  };
}

function headers(o: CredentialsBackendOptions, preset: CredentialsSections, base: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...preset.headers, ...o.headers })) {
    const lower = k.toLowerCase();
    if (!HEADER.test(k) || RESERVED_HEADERS.has(lower)) throw new ConfigError(`${F}.headers.${k}`, 'must be a header name other than Authorization, Cookie, Host, Content-Type or Content-Length');
    if (typeof v !== 'string' || /[\r\n\0]/.test(v)) throw new ConfigError(`${F}.headers.${k}`, 'must be a string without line breaks');
    out[lower] = v;
  }
  const origin = o.origin ?? preset.origin ?? false;
  if (origin === true) out.origin = base.origin;
  else if (typeof origin === 'string') out.origin = configuredUrl(`${F}.origin`, origin, { path: false }).origin;
  else if (origin !== false) throw new ConfigError(`${F}.origin`, 'must be true, false or an origin such as https://app.example.com');
  return out;
}

function requiredPath(field: string, value: unknown): string {
  if (typeof value !== 'string' || !/^\/[^\s#]{0,500}$/.test(value)) throw new ConfigError(field, "must be a path starting with '/', e.g. '/auth/login'");
  return value;
}

function optionalPath(field: string, value: unknown): string | false {
  return value === false ? false : requiredPath(field, value);
}

function name(field: string, value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_.$-]{1,64}$/.test(value)) throw new ConfigError(field, 'must be a field name (letters, digits, _ . $ -)');
  return value;
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new ConfigError(field, `must be one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  return value as T;
}

function optionalBoolean(field: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new ConfigError(field, 'must be true or false');
  return value;
}

function positive(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ConfigError(field, 'must be a positive number of seconds');
  return value;
}

function scheme(value: unknown): string {
  if (typeof value !== 'string' || !/^[A-Za-z][A-Za-z0-9_-]{0,30}$/.test(value)) throw new ConfigError(`${F}.authScheme`, "must be a scheme such as 'Bearer', 'JWT' or 'Token'");
  return value;
}

function statuses(value: unknown): readonly number[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((s) => Number.isInteger(s) && s >= 400 && s <= 499)) {
    throw new ConfigError(`${F}.rejectedStatuses`, 'must be a non-empty list of 4xx statuses, e.g. [401] or [401, 403]');
  }
  return [...value];
}

function clientIpHeader(value: unknown): string | false {
  if (value === false) return false;
  if (typeof value !== 'string' || !HEADER.test(value) || RESERVED_HEADERS.has(value.toLowerCase())) {
    throw new ConfigError(`${F}.clientIpHeader`, "must be a header name such as 'x-forwarded-for', or false");
  }
  return value.toLowerCase();
}

import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { SEVEN_DAYS } from '../time';
import { resolveCredentialsOptions } from './credentials-options';
import type { CredentialsBackendOptions } from './credentials-types';

const url = 'http://127.0.0.1:8000';
const resolve = (extra: Partial<CredentialsBackendOptions> = {}) => resolveCredentialsOptions({ url, ...extra });

function fieldOf(options: unknown): string | null {
  try {
    resolveCredentialsOptions(options as CredentialsBackendOptions);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).field;
  }
  return null;
}

describe('credentialsBackend options: presets', () => {
  it('the default (oauth2) is the v1 behaviour: /auth/* paths, OAuth 2 names, logout with body and Bearer', () => {
    const o = resolve();
    expect(o.login).toEqual({ path: '/auth/login', fields: [['email', 'email'], ['password', 'password']], identity: 'email', encoding: 'json' });
    expect(o.tokens).toEqual({ access: 'access_token', refresh: 'refresh_token', expiry: { path: 'expires_in', unit: 'seconds' } });
    expect(o.refresh).toMatchObject({ mode: 'body', path: '/auth/refresh', field: 'refresh_token' });
    expect(o.logout).toEqual({ mode: 'both', path: '/auth/logout', field: 'refresh_token', requiresLiveToken: false });
    expect(o.user).toMatchObject({ from: 'endpoint', path: '/auth/me', field: '' });
    expect(o).toMatchObject({ authScheme: 'Bearer', rejectedStatuses: [401], headers: {}, clientIpHeader: false, timeout: 10 });
  });

  it('simplejwt: username from the browser email field, JWT exp, body refresh and blacklist logout, claims user', () => {
    const o = resolve({ preset: 'simplejwt' });
    expect(o.login).toMatchObject({ path: '/api/token/', fields: [['username', 'email'], ['password', 'password']], identity: 'email' });
    expect(o.tokens).toEqual({ access: 'access', refresh: 'refresh', expiry: 'jwt' });
    expect(o.refresh).toMatchObject({ mode: 'body', path: '/api/token/refresh/', field: 'refresh' });
    expect(o.logout).toMatchObject({ mode: 'body', path: '/api/token/blacklist/', field: 'refresh' });
    expect(o.user).toMatchObject({ from: 'claims', path: false });
  });

  it('a user path over a claims preset means the endpoint', () => {
    expect(resolve({ preset: 'simplejwt', user: { path: '/api/me/' } }).user).toMatchObject({ from: 'endpoint', path: '/api/me/' });
  });

  it('betterAuth: session token, no refresh, Bearer logout, get-session user, its own origin', () => {
    const o = resolve({ preset: 'betterAuth' });
    expect(o.tokens).toEqual({ access: 'token', refresh: false, expiry: { lifetime: SEVEN_DAYS } });
    expect(o.refresh).toMatchObject({ mode: 'none', path: false });
    expect(o.logout).toMatchObject({ mode: 'bearer', path: '/api/auth/sign-out' });
    expect(o.user).toMatchObject({ from: 'endpoint', path: '/api/auth/get-session', field: 'user' });
    expect(o.headers).toEqual({ origin: url });
    expect(o.clientIpHeader).toBe('x-forwarded-for');
  });

  it('payload: refresh with the current token, answer under refreshedToken, 401 and 403 mean refused', () => {
    const o = resolve({ preset: 'payload' });
    expect(o.tokens).toEqual({ access: 'token', refresh: false, expiry: { path: 'exp', unit: 'epoch-seconds' } });
    expect(o.refresh).toMatchObject({ mode: 'access-token', path: '/api/users/refresh-token', tokens: { access: 'refreshedToken', refresh: false } });
    expect(o.logout).toMatchObject({ mode: 'bearer', path: '/api/users/logout', requiresLiveToken: true });
    expect(o.rejectedStatuses).toEqual([401, 403]);
  });

  it('an option overrides one field of its section and keeps the rest of the preset', () => {
    const o = resolve({ preset: 'payload', login: { path: '/api/customers/login' } });
    expect(o.login).toMatchObject({ path: '/api/customers/login', identity: 'email' });
  });

  it('new login fields without an identity pick the first field not named like a password', () => {
    expect(resolve({ login: { fields: { password: 'password', identifier: 'email' } } }).login.identity).toBe('email');
    expect(resolve({ login: { fields: { identifier: 'login', password: 'password' }, identity: 'identifier' } }).login.identity).toBe('login');
  });
});

describe('credentialsBackend options: v1 names', () => {
  it('fields: simplejwt sets token names and the request field, keeps the default paths', () => {
    const o = resolve({ fields: 'simplejwt' });
    expect(o.tokens).toEqual({ access: 'access', refresh: 'refresh', expiry: 'jwt' });
    expect(o.refresh).toMatchObject({ field: 'refresh', path: '/auth/refresh' });
    expect(o.logout.field).toBe('refresh');
  });

  it('paths, credentialFields and mapUser map to their sections', () => {
    const mapUser = () => ({ id: 'x' });
    const o = resolve({ paths: { login: '/l', refresh: '/r', logout: false, user: false }, credentialFields: ['username', 'password'], mapUser });
    expect(o.login).toMatchObject({ path: '/l', fields: [['username', 'username'], ['password', 'password']], identity: 'username' });
    expect(o.refresh.path).toBe('/r');
    expect(o.logout.mode).toBe('none');
    expect(o.user).toMatchObject({ from: 'claims', path: false, map: mapUser });
  });
});

describe('credentialsBackend options: validation names the field', () => {
  it.each([
    [{ url }, null],
    [{ url, preset: 'nope' }, 'backend.preset'],
    [{ url, tokens: { access: 'a..b' } }, 'backend.tokens.access'],
    [{ url, tokens: { access: '__proto__.x' } }, 'backend.tokens.access'],
    [{ url, tokens: { expiry: { path: 'exp', unit: 'hours' } } }, 'backend.tokens.expiry.unit'],
    [{ url, tokens: { expiry: { lifetime: -1 } } }, 'backend.tokens.expiry.lifetime'],
    [{ url, tokens: { expiry: 'never' } }, 'backend.tokens.expiry'],
    [{ url, tokens: { refresh: false } }, 'backend.tokens.refresh'],
    [{ url, tokens: { refresh: false }, refresh: { mode: 'none' } }, 'backend.logout.mode'],
    [{ url, login: { path: 'auth/login' } }, 'backend.login.path'],
    [{ url, login: { fields: {} } }, 'backend.login.fields'],
    [{ url, login: { fields: { 'a b': 'email' } } }, 'backend.login.fields.a b'],
    [{ url, login: { identity: 'username' } }, 'backend.login.identity'],
    [{ url, login: { encoding: 'xml' } }, 'backend.login.encoding'],
    [{ url, refresh: { mode: 'cookie' } }, 'backend.refresh.mode'],
    [{ url, refresh: { rotates: 'yes' } }, 'backend.refresh.rotates'],
    [{ url, logout: { mode: 'get' } }, 'backend.logout.mode'],
    [{ url, user: { from: 'session' } }, 'backend.user.from'],
    [{ url, user: { path: false, from: 'endpoint' } }, 'backend.user.path'],
    [{ url, user: { map: 'id' } }, 'backend.user.map'],
    [{ url, authScheme: 'Bearer x' }, 'backend.authScheme'],
    [{ url, rejectedStatuses: [500] }, 'backend.rejectedStatuses'],
    [{ url, rejectedStatuses: [] }, 'backend.rejectedStatuses'],
    [{ url, headers: { authorization: 'x' } }, 'backend.headers.authorization'],
    [{ url, headers: { 'x-a': 'a\r\nb' } }, 'backend.headers.x-a'],
    [{ url, origin: 'not a url' }, 'backend.origin'],
    [{ url, clientIpHeader: 'cookie' }, 'backend.clientIpHeader'],
    [{ url, timeout: 0 }, 'backend.timeout'],
    [{ url: 'ftp://x' }, 'backend.url'],
    [{ url, fields: 'nope' }, 'backend.fields'],
    [{ url, credentialFields: [] }, 'backend.credentialFields'],
  ])('%j → %s', (options, field) => {
    expect(fieldOf(options)).toBe(field);
  });

  it('explains the fix in the message', () => {
    expect(() => resolve({ tokens: { refresh: false } })).toThrow(/refresh.mode 'body' needs a refresh token: set refresh.mode to 'access-token' or 'none'/);
  });
});

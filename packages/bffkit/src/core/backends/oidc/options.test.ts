import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors';
import { defaultMapClaims, resolveOidcOptions } from './options';

const base = { issuer: 'https://idp.example.com/realms/main', clientId: 'app', clientSecret: 's3cret' };

describe('resolveOidcOptions', () => {
  it('applies the defaults: basic auth, openid profile email offline_access, logout to /', () => {
    const o = resolveOidcOptions(base);
    expect(o).toMatchObject({ clientAuth: 'client_secret_basic', scope: 'openid profile email offline_access', postLogoutRedirect: '/', idTokenHint: true, revokeOnLogout: true, allowHttp: false, timeoutMs: 10_000 });
  });

  it('always asks for openid, once', () => {
    expect(resolveOidcOptions({ ...base, scopes: ['email', 'openid', 'api'] }).scope).toBe('openid email api');
  });

  it('sends audience and resource indicators as authorization parameters', () => {
    const o = resolveOidcOptions({ ...base, audience: 'https://api.example.com', resource: ['https://a.example.com', 'urn:x:y'] });
    expect(o.extraParams).toEqual({ audience: 'https://api.example.com', resource: ['https://a.example.com', 'urn:x:y'] });
    expect(o.resource).toEqual(['https://a.example.com', 'urn:x:y']);
  });

  it.each([
    ['an http issuer that is not loopback', { issuer: 'http://idp.example.com' }, 'backend.issuer'],
    ['an issuer with a query', { issuer: 'https://idp.example.com/?x=1' }, 'backend.issuer'],
    ['a relative issuer', { issuer: '/realms/main' }, 'backend.issuer'],
    ['no client id', { clientId: '' }, 'backend.clientId'],
    ['no client secret', { clientSecret: undefined }, 'backend.clientSecret'],
    ['an unknown client auth', { clientAuth: 'tls_client_auth' }, 'backend.clientAuth'],
    ['a scope with a space', { scopes: ['openid email'] }, 'backend.scopes'],
    ['an override of state', { authorizationParams: { state: 'fixed' } }, 'backend.authorizationParams.state'],
    ['an override of the PKCE method', { authorizationParams: { code_challenge_method: 'plain' } }, 'backend.authorizationParams.code_challenge_method'],
    ['a resource with a fragment', { resource: 'https://api.example.com/#x' }, 'backend.resource'],
    ['an absolute post-logout redirect', { postLogoutRedirect: 'https://evil.example/' }, 'backend.postLogoutRedirect'],
    ['a zero timeout', { timeout: 0 }, 'backend.timeout'],
  ])('refuses %s, naming the field', (_n, patch, field) => {
    let error: unknown;
    try {
      resolveOidcOptions({ ...base, ...(patch as object) } as Parameters<typeof resolveOidcOptions>[0]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('accepts plain http for a loopback issuer (development) and says so', () => {
    expect(resolveOidcOptions({ ...base, issuer: 'http://localhost:4010' }).allowHttp).toBe(true);
    expect(resolveOidcOptions({ ...base, issuer: 'http://127.0.0.1:4010' }).allowHttp).toBe(true);
  });
});

describe('defaultMapClaims', () => {
  it('takes email and name, falling back to given + family name, then preferred_username', () => {
    expect(defaultMapClaims({ sub: 'x', email: 'a@b.c', name: 'Ann' })).toEqual({ email: 'a@b.c', name: 'Ann' });
    expect(defaultMapClaims({ given_name: 'Ann', family_name: 'Lee' })).toEqual({ name: 'Ann Lee' });
    expect(defaultMapClaims({ preferred_username: 'ann' })).toEqual({ name: 'ann' });
    expect(defaultMapClaims({ email: 42 })).toEqual({});
  });
});

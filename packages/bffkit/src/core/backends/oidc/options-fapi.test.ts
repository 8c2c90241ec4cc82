import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors';
import { resolveOidcOptions, type OidcBackendOptions } from './options';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const small = generateKeyPairSync('rsa', { modulusLength: 1024 });
const ed = generateKeyPairSync('ed25519');
const ecJwk = { ...ec.privateKey.export({ format: 'jwk' }), kid: 'k-ec' };
const ecPem = ec.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
const base = { issuer: 'https://idp.example.com', clientId: 'app' } as const;

function refusal(options: Partial<OidcBackendOptions>): ConfigError {
  try {
    resolveOidcOptions({ ...base, ...options } as OidcBackendOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveOidcOptions: private_key_jwt, PAR, DPoP and the FAPI 2.0 profile', () => {
  it('takes a private JWK (object or JSON), a PEM with a kid, or several keys; the first signs', () => {
    const fromJwk = resolveOidcOptions({ ...base, clientAuth: 'private_key_jwt', clientKeys: ecJwk });
    expect(fromJwk.clientKeys.map((k) => [k.kid, k.alg])).toEqual([['k-ec', 'ES256']]);
    expect(fromJwk.clientKeys[0]!.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: 'k-ec', alg: 'ES256', use: 'sig' });
    expect(fromJwk.clientKeys[0]!.publicJwk).not.toHaveProperty('d');
    const two = resolveOidcOptions({ ...base, clientKeys: [JSON.stringify(ecJwk), { key: rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, kid: 'k-rsa' }] });
    expect(two.clientAuth).toBe('private_key_jwt');
    expect(two.clientKeys.map((k) => [k.kid, k.alg])).toEqual([['k-ec', 'ES256'], ['k-rsa', 'PS256']]);
    // Without a kid: the RFC 7638 thumbprint.
    expect(resolveOidcOptions({ ...base, clientKeys: ecPem }).clientKeys[0]!.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(resolveOidcOptions({ ...base, clientKeys: { key: ed.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, kid: 'ed' } }).clientKeys[0]!.alg).toBe('EdDSA');
  });

  it('refuses bad keys without quoting them', () => {
    const pub = ec.publicKey.export({ format: 'pem', type: 'spki' }) as string;
    for (const [clientKeys, text] of [
      [undefined, 'is required'],
      [pub, 'is not a private key'],
      ['{"kty":"EC"', 'is not valid JSON'],
      [small.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, 'at least 2048 bits'],
      [[ecJwk, ecJwk], 'same kid'],
      [{ key: ecPem, alg: 'PS256' as const }, 'cannot sign PS256'],
    ] as const) {
      const error = refusal({ clientAuth: 'private_key_jwt', clientKeys: clientKeys as OidcBackendOptions['clientKeys'] });
      expect(error.field).toMatch(/^backend\.clientKeys/);
      expect(error.message).toContain(text);
      expect(error.message).not.toContain(String(ecJwk.d));
      expect(error.message).not.toContain('PRIVATE KEY');
    }
    expect(refusal({ clientAuth: 'private_key_jwt', clientKeys: ecJwk, clientSecret: 's3cret' }).field).toBe('backend.clientSecret');
    expect(refusal({ clientSecret: 's3cret', clientKeys: ecJwk, clientAuth: 'client_secret_basic' }).field).toBe('backend.clientKeys');
  });

  it("defaults to PAR when advertised, no DPoP; 'fapi2' turns on PAR, DPoP and private_key_jwt", () => {
    expect(resolveOidcOptions({ ...base, clientSecret: 's' })).toMatchObject({ par: 'auto', dpop: false, fapi: false, clientAuth: 'client_secret_basic' });
    expect(resolveOidcOptions({ ...base, profile: 'fapi2', clientKeys: ecJwk })).toMatchObject({ par: true, dpop: true, fapi: true, clientAuth: 'private_key_jwt' });
    expect(resolveOidcOptions({ ...base, clientSecret: 's', par: true, dpop: true })).toMatchObject({ par: true, dpop: true });
  });

  it('refuses under FAPI 2.0 what the profile forbids, naming the field', () => {
    const fapi = { profile: 'fapi2', clientKeys: ecJwk } as const;
    const cases: [Partial<OidcBackendOptions>, string, string][] = [
      [{ profile: 'fapi2', clientSecret: 's3cret' }, 'backend.clientSecret', 'client secrets are not allowed'],
      [{ profile: 'fapi2', clientAuth: 'client_secret_post' }, 'backend.clientAuth', 'private_key_jwt'],
      [{ ...fapi, clientSecret: 's3cret' }, 'backend.clientSecret', 'not allowed'],
      [{ ...fapi, par: 'auto' }, 'backend.par', 'required'],
      [{ ...fapi, par: false }, 'backend.par', 'required'],
      [{ ...fapi, dpop: false }, 'backend.dpop', 'sender-constrained'],
      [{ ...fapi, idTokenSigningAlg: 'RS256' }, 'backend.idTokenSigningAlg', 'PS256, ES256, EdDSA'],
      [{ profile: 'fapi2', clientKeys: { key: rsa.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, alg: 'RS256' } }, 'backend.clientKeys', 'not RS256'],
      [{ ...fapi, authorizationParams: { acr_values: 'x' } }, 'backend.authorizationParams.acr_values', 'set by bffkit'],
      [{ profile: 'fapi1' as 'fapi2', clientKeys: ecJwk }, 'backend.profile', "'fapi2'"],
    ];
    for (const [options, field, text] of cases) {
      const error = refusal(options);
      expect([error.field, error.message]).toEqual([field, expect.stringContaining(text)]);
      expect(error.message).not.toContain('s3cret');
    }
  });
});

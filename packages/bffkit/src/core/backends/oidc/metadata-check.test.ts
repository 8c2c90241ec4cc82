import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type * as oauth from 'oauth4webapi';
import { metadataProblem } from './metadata-check';
import { resolveOidcOptions } from './options';

const key = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'k' };
const issuer = 'https://idp.example.com';
const fapi = resolveOidcOptions({ issuer, clientId: 'app', profile: 'fapi2', clientKeys: key });
const plain = resolveOidcOptions({ issuer, clientId: 'app', clientSecret: 's' });
const full: oauth.AuthorizationServer = {
  issuer,
  pushed_authorization_request_endpoint: `${issuer}/par`,
  token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
  dpop_signing_alg_values_supported: ['ES256'],
  code_challenge_methods_supported: ['S256'],
  authorization_response_iss_parameter_supported: true,
};

describe('metadataProblem', () => {
  it('accepts a provider that offers everything the profile needs', () => {
    expect(metadataProblem(full, fapi)).toBeNull();
    expect(metadataProblem({ issuer }, plain)).toBeNull();
  });

  it.each([
    ['no PAR endpoint', { pushed_authorization_request_endpoint: undefined }, 'advertises no pushed_authorization_request_endpoint'],
    ['no private_key_jwt', { token_endpoint_auth_methods_supported: ['client_secret_basic'] }, 'does not accept private_key_jwt'],
    ['no DPoP', { dpop_signing_alg_values_supported: undefined }, 'does not advertise DPoP with ES256'],
    ['DPoP without ES256', { dpop_signing_alg_values_supported: ['PS256'] }, 'does not advertise DPoP with ES256'],
    ['no iss parameter', { authorization_response_iss_parameter_supported: false }, 'iss authorization response parameter'],
    ['no S256', { code_challenge_methods_supported: ['plain'] }, 'PKCE S256'],
  ])('names what is missing under FAPI 2.0: %s', (_name, patch, text) => {
    expect(metadataProblem({ ...full, ...patch }, fapi)).toContain(text);
  });

  it('refuses par: false against a provider that requires PAR', () => {
    const never = resolveOidcOptions({ issuer, clientId: 'app', clientSecret: 's', par: false });
    expect(metadataProblem({ issuer, require_pushed_authorization_requests: true }, never)).toContain('requires pushed authorization requests');
  });
});

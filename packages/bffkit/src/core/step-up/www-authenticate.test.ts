import { describe, expect, it } from 'vitest';
import { parseChallenges } from './www-authenticate';

describe('parseChallenges', () => {
  it('reads RFC 9470 and RFC 9449 challenges as the example API sends them', () => {
    expect(parseChallenges('Bearer error="insufficient_user_authentication", error_description="A stronger sign-in is required for payments", acr_values="urn:bffkit:acr:mfa", max_age="300"')).toEqual([
      { scheme: 'bearer', params: { error: 'insufficient_user_authentication', error_description: 'A stronger sign-in is required for payments', acr_values: 'urn:bffkit:acr:mfa', max_age: '300' } },
    ]);
    expect(parseChallenges('DPoP error="use_dpop_nonce", error_description="nonce", algs="ES256 PS256"')[0]).toMatchObject({ scheme: 'dpop', params: { error: 'use_dpop_nonce', algs: 'ES256 PS256' } });
  });

  it('reads several challenges, token values, escapes, token68 and odd spacing', () => {
    expect(parseChallenges('Negotiate abc==, Basic realm="a \\"b\\"", DPoP algs=ES256 ,error=invalid_token,  Bearer')).toEqual([
      { scheme: 'negotiate', params: {} },
      { scheme: 'basic', params: { realm: 'a "b"' } },
      { scheme: 'dpop', params: { algs: 'ES256', error: 'invalid_token' } },
      { scheme: 'bearer', params: {} },
    ]);
  });

  it('never throws on garbage, and stops at what it cannot read', () => {
    for (const h of [null, '', '"', '=,=', ',,,', 'Bearer error="unterminated', 'x'.repeat(20_000), '\u0000Bearer']) {
      expect(() => parseChallenges(h)).not.toThrow();
    }
    expect(parseChallenges('Bearer error="x"')[0]!.params.__proto__).toBeUndefined();
  });
});

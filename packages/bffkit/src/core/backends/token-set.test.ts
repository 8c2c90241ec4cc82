import { describe, expect, it } from 'vitest';
import { fakeJwt } from '../testing/support';
import { accessTokenExpiry, toTokenSet } from './token-set';

const NOW = 1_800_000_000;

describe('toTokenSet', () => {
  it('expires at the earliest of expires_in and the JWT exp', () => {
    expect(toTokenSet({ accessToken: 'opaque', expiresIn: 300 }, NOW)!.expiresAt).toBe(NOW + 300);
    expect(toTokenSet({ accessToken: fakeJwt({ exp: NOW + 60 }), expiresIn: 300 }, NOW)!.expiresAt).toBe(NOW + 60);
    expect(toTokenSet({ accessToken: 'opaque' }, NOW)!.expiresAt).toBe(NOW + 300);
  });

  it('keeps the previous refresh and ID tokens when a refresh answer has none', () => {
    const t = toTokenSet({ accessToken: 'opaque', expiresIn: 60 }, NOW, { refreshToken: 'rt-old', idToken: 'id-old' });
    expect(t).toMatchObject({ refreshToken: 'rt-old', idToken: 'id-old', issuedAt: NOW });
    const rotated = toTokenSet({ accessToken: 'opaque', refreshToken: 'rt-new', idToken: 'id-new' }, NOW, { refreshToken: 'rt-old', idToken: 'id-old' });
    expect(rotated).toMatchObject({ refreshToken: 'rt-new', idToken: 'id-new' });
  });

  it('answers null without a usable access token', () => {
    expect(toTokenSet({ accessToken: '' }, NOW)).toBeNull();
    expect(toTokenSet({ accessToken: 42 }, NOW)).toBeNull();
  });
});

describe('accessTokenExpiry', () => {
  it('reads a numeric string expires_in and ignores anything else', () => {
    expect(accessTokenExpiry('opaque', '120', NOW)).toBe(NOW + 120);
    expect(accessTokenExpiry('opaque', '12s', NOW)).toBe(NOW + 300);
    expect(accessTokenExpiry('opaque', -5, NOW)).toBe(NOW + 300);
  });
});

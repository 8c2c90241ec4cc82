import { describe, expect, it } from 'vitest';
import type { TokenEndpointResponse } from 'oauth4webapi';
import { fakeJwt } from '../../testing/support';
import { toTokenSet } from './token-set';

const NOW = 1_800_000_000;
const answer = (a: Partial<TokenEndpointResponse>) => ({ access_token: 'opaque', token_type: 'bearer', ...a }) as TokenEndpointResponse;

describe('toTokenSet', () => {
  it('expires at the earliest of expires_in and the JWT exp', () => {
    expect(toTokenSet(answer({ expires_in: 300 }), NOW).expiresAt).toBe(NOW + 300);
    expect(toTokenSet(answer({ access_token: fakeJwt({ exp: NOW + 60 }), expires_in: 300 }), NOW).expiresAt).toBe(NOW + 60);
    expect(toTokenSet(answer({}), NOW).expiresAt).toBe(NOW + 300);
  });

  it('keeps the previous refresh and ID tokens when a refresh answer has none', () => {
    const t = toTokenSet(answer({ expires_in: 60 }), NOW, { refreshToken: 'rt-old', idToken: 'id-old' });
    expect(t).toMatchObject({ refreshToken: 'rt-old', idToken: 'id-old', issuedAt: NOW });
    const rotated = toTokenSet(answer({ refresh_token: 'rt-new', id_token: 'id-new' }), NOW, { refreshToken: 'rt-old', idToken: 'id-old' });
    expect(rotated).toMatchObject({ refreshToken: 'rt-new', idToken: 'id-new' });
  });
});

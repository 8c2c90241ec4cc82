import { describe, expect, it } from 'vitest';
import { jwtExpiry, unverifiedClaims } from './jwt-claims';
import { fakeJwt } from '../testing/support';

const b64 = (s: string) => Buffer.from(s).toString('base64url');

describe('unverifiedClaims', () => {
  it('reads the payload of a JWT', () => {
    expect(unverifiedClaims(fakeJwt({ sub: 'u1', exp: 123 }))).toEqual({ sub: 'u1', exp: 123 });
  });

  it('answers null for an opaque token, a one-dot token and an empty header', () => {
    expect(unverifiedClaims('opaque-token')).toBeNull();
    expect(unverifiedClaims(`${b64('{}')}.${b64('{"sub":"x"}')}`)).toBeNull();
    expect(unverifiedClaims(`.${b64('{"sub":"x"}')}.sig`)).toBeNull();
    expect(unverifiedClaims('')).toBeNull();
  });

  it('answers null for a payload that is not a JSON object', () => {
    expect(unverifiedClaims(`h.${b64('[1,2]')}.s`)).toBeNull();
    expect(unverifiedClaims(`h.${b64('"text"')}.s`)).toBeNull();
    expect(unverifiedClaims(`h.${b64('null')}.s`)).toBeNull();
    expect(unverifiedClaims(`h.${b64('{not json')}.s`)).toBeNull();
    expect(unverifiedClaims('h.%%%.s')).toBeNull();
  });

  it('refuses an absurdly large payload without parsing it', () => {
    expect(unverifiedClaims(`h.${b64(JSON.stringify({ x: 'a'.repeat(20_000) }))}.s`)).toBeNull();
  });
});

describe('jwtExpiry', () => {
  it('answers a numeric exp and nothing else', () => {
    expect(jwtExpiry(fakeJwt({ exp: 1_800_000_000 }))).toBe(1_800_000_000);
    expect(jwtExpiry(fakeJwt({ exp: '1800000000' }))).toBeUndefined();
    expect(jwtExpiry(fakeJwt({}))).toBeUndefined();
    expect(jwtExpiry('opaque')).toBeUndefined();
  });
});

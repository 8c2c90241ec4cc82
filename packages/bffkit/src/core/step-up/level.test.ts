import { describe, expect, it } from 'vitest';
import { authSatisfies, checkRequirement } from './level';
import { challengeOf } from './challenge';

const NOW = 1_800_000_000;

describe('authSatisfies', () => {
  it('meets an acr requirement (any listed value) and a maxAge from the recorded level only', () => {
    const auth = { acr: 'urn:mfa', amr: ['pwd', 'otp'], authTime: NOW - 100 };
    expect(authSatisfies(auth, { acr: 'urn:mfa' }, NOW)).toBe(true);
    expect(authSatisfies(auth, { acr: ['urn:hwk', 'urn:mfa'] }, NOW)).toBe(true);
    expect(authSatisfies(auth, { acr: 'urn:hwk' }, NOW)).toBe(false);
    expect(authSatisfies(auth, { maxAge: 100 }, NOW)).toBe(true);
    expect(authSatisfies(auth, { maxAge: 99 }, NOW)).toBe(false);
    expect(authSatisfies(auth, { acr: 'urn:mfa', maxAge: 99 }, NOW)).toBe(false);
    expect(authSatisfies(auth, {}, NOW)).toBe(true);
  });

  it('never meets a requirement on what was not recorded, nor on a sign-in from the future', () => {
    expect(authSatisfies(undefined, { acr: 'urn:mfa' }, NOW)).toBe(false);
    expect(authSatisfies({ amr: ['mfa'] }, { acr: 'mfa' }, NOW)).toBe(false);
    expect(authSatisfies({ acr: 'urn:mfa' }, { maxAge: 3600 }, NOW)).toBe(false);
    expect(authSatisfies({ authTime: NOW + 3600 }, { maxAge: 3600 }, NOW)).toBe(false);
    expect(authSatisfies(undefined, {}, NOW)).toBe(true);
  });

  it('refuses malformed requirements from app code with a TypeError', () => {
    expect(() => checkRequirement({ acr: '' })).toThrow(TypeError);
    expect(() => checkRequirement({ acr: ['a b'] })).toThrow(TypeError);
    expect(() => checkRequirement({ maxAge: -1 })).toThrow(TypeError);
    expect(() => checkRequirement({ maxAge: 1.5 })).toThrow(TypeError);
    expect(checkRequirement({ acr: 'urn:mfa', maxAge: 0 })).toEqual({ acrValues: ['urn:mfa'], maxAge: 0 });
  });
});

describe('challengeOf', () => {
  it('keeps well-formed levels and ages only, never failing', () => {
    expect(challengeOf('urn:a  urn:b urn:a', '300')).toEqual({ acrValues: ['urn:a', 'urn:b'], maxAge: 300 });
    expect(challengeOf(['urn:a', 3, 'x\u0000'], 12)).toEqual({ acrValues: ['urn:a'], maxAge: 12 });
    expect(challengeOf(undefined, '-1')).toEqual({ acrValues: [] });
    expect(challengeOf('x'.repeat(300), '99999999999')).toEqual({ acrValues: [] });
  });
});

import { createHash, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../errors';
import { deriveKeyRing, validateSecrets, type Purpose } from './keys';

const A = 'a'.repeat(16) + 'b'.repeat(16);
const B = 'secret-number-two-is-long-enough-yes';
const PURPOSES: Purpose[] = ['session', 'transaction', 'successor', 'session-id', 'handoff'];

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('validateSecrets', () => {
  it('accepts one string and returns it as a list', () => {
    expect(validateSecrets(A)).toEqual([A]);
  });

  it('accepts a list and keeps its order (first one seals)', () => {
    expect(validateSecrets([B, A])).toEqual([B, A]);
  });

  it('refuses a missing secret, naming the field', () => {
    const e = configError(() => validateSecrets(undefined));
    expect(e.field).toBe('secret');
    expect(e.message).toMatch(/missing/);
  });

  it('refuses an empty list', () => {
    expect(configError(() => validateSecrets([])).message).toMatch(/at least one/);
  });

  it('refuses a short secret without echoing it', () => {
    const short = 'short-secret-value';
    const e = configError(() => validateSecrets(short));
    expect(e.message).toMatch(/at least 32 characters/);
    expect(e.message).not.toContain(short);
  });

  it('refuses a short secret anywhere in the list and says which entry', () => {
    const e = configError(() => validateSecrets([A, 'x'.repeat(31)]));
    expect(e.message).toMatch(/entry 1/);
    expect(e.message).not.toContain('x'.repeat(31));
  });

  it('refuses non-string entries and non-list values', () => {
    expect(configError(() => validateSecrets([A, 42 as unknown as string])).message).toMatch(/string/);
    expect(configError(() => validateSecrets({} as unknown as string)).message).toMatch(/string/);
  });

  it('refuses duplicate secrets without echoing them', () => {
    const e = configError(() => validateSecrets([A, B, A]));
    expect(e.message).toMatch(/duplicate/);
    expect(e.message).not.toContain(A);
  });
});

describe('deriveKeyRing', () => {
  it('derives a 32-byte HKDF-SHA256 key with the documented salt and info', () => {
    const ring = deriveKeyRing([A], 'session');
    const expected = Buffer.from(hkdfSync('sha256', Buffer.from(A), 'bffkit/v1', 'bffkit session', 32));
    expect(ring.keys[0]!.key.equals(expected)).toBe(true);
    expect(ring.keys[0]!.key.length).toBe(32);
  });

  it('uses the first byte of sha256(key) as the key id', () => {
    const k = deriveKeyRing([A], 'handoff').keys[0]!;
    expect(k.id).toBe(createHash('sha256').update(k.key).digest()[0]);
  });

  it('is deterministic, so every instance derives the same keys', () => {
    expect(deriveKeyRing([A, B], 'transaction').keys[1]!.key.equals(deriveKeyRing([A, B], 'transaction').keys[1]!.key)).toBe(true);
  });

  it('derives a different key for every purpose', () => {
    const keys = PURPOSES.map((p) => deriveKeyRing([A], p).keys[0]!.key.toString('hex'));
    expect(new Set(keys).size).toBe(PURPOSES.length);
  });

  it('keeps one key per secret in the configured order', () => {
    const ring = deriveKeyRing([B, A], 'session');
    expect(ring.purpose).toBe('session');
    expect(ring.keys).toHaveLength(2);
    expect(ring.keys[1]!.key.equals(deriveKeyRing([A], 'session').keys[0]!.key)).toBe(true);
  });

  it('validates the secrets it is given', () => {
    expect(() => deriveKeyRing(['too-short'], 'session')).toThrow(ConfigError);
  });

  it('refuses an unknown purpose as a caller bug', () => {
    expect(() => deriveKeyRing([A], 'other' as Purpose)).toThrow(TypeError);
  });
});

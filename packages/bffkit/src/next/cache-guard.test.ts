import { describe, expect, it } from 'vitest';
import { assertNoSecrets } from './cache-guard';

const TOKEN = 'access-token-0123456789abcdef';
const needles = [{ value: TOKEN, what: 'the access token' }];

describe('assertNoSecrets', () => {
  it('finds a secret anywhere: nested objects, arrays, Map keys and values, Set items, inside longer strings', () => {
    for (const value of [
      { a: { b: [1, `x${TOKEN}y`] } },
      new Map([[TOKEN, 1]]),
      new Map([['k', { t: TOKEN }]]),
      new Set(['a', TOKEN]),
      [[[[TOKEN]]]],
    ]) {
      expect(() => assertNoSecrets(value, needles, 'an argument', false)).toThrow(/holds the access token/);
    }
  });

  it('names the path, never the value', () => {
    const error = (() => {
      try {
        assertNoSecrets({ headers: { authorization: `Bearer ${TOKEN}` } }, needles, 'an argument', false);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error?.message).toContain('$.headers.authorization');
    expect(error?.message).not.toContain(TOKEN);
  });

  it('recognises a JWT only when asked, and ignores needles too short to be tokens', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc';
    expect(() => assertNoSecrets([jwt], [], 'an argument', true)).toThrow(/JSON Web Token/);
    expect(() => assertNoSecrets([jwt], [], 'a result', false)).not.toThrow();
    expect(() => assertNoSecrets(['abc', 'short'], [{ value: 'abc', what: 'x' }], 'an argument', true)).not.toThrow();
  });

  it('survives cycles and very large values', () => {
    const cyclic: Record<string, unknown> = { id: 1 };
    cyclic.self = cyclic;
    expect(() => assertNoSecrets(cyclic, needles, 'an argument', true)).not.toThrow();
    expect(() => assertNoSecrets(Array.from({ length: 50_000 }, (_, i) => i), needles, 'an argument', true)).not.toThrow();
  });
});

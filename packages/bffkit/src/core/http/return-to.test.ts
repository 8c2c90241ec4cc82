import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import corpus from './fixtures/return-to-corpus.json';
import { MAX_RETURN_TO_LENGTH, isSafeReturnTo, safeReturnTo } from './return-to';

interface Case {
  input: string;
  safe: boolean;
  expected?: string;
}
const cases = corpus as Case[];
const FALLBACK = '/fallback';

function assertSafeOutput(result: string): void {
  expect(result.startsWith('/')).toBe(true);
  expect(result.startsWith('//')).toBe(false);
  expect(result.startsWith('/\\')).toBe(false);
  expect(new URL(result, 'https://app.example').origin).toBe('https://app.example');
}

describe('safeReturnTo', () => {
  it('has a corpus of at least 170 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(170);
  });

  it.each(cases.map((c) => [JSON.stringify(c.input), c] as const))('classifies %s as in the corpus', (_, c) => {
    const result = safeReturnTo(c.input, FALLBACK);
    expect(result).toBe(c.safe ? (c.expected ?? c.input) : FALLBACK);
    expect(isSafeReturnTo(c.input)).toBe(c.safe);
    assertSafeOutput(result);
  });

  it('falls back for absurdly long values (3000 characters)', () => {
    expect(safeReturnTo(`/notes?x=${'a'.repeat(3000)}`, FALLBACK)).toBe(FALLBACK);
    expect(safeReturnTo(`//${'a'.repeat(3000)}`, FALLBACK)).toBe(FALLBACK);
    expect(safeReturnTo('/'.repeat(3000), FALLBACK)).toBe(FALLBACK);
  });

  it('accepts a path of exactly the maximum length', () => {
    const p = `/${'a'.repeat(MAX_RETURN_TO_LENGTH - 1)}`;
    expect(safeReturnTo(p, FALLBACK)).toBe(p);
    expect(safeReturnTo(`${p}a`, FALLBACK)).toBe(FALLBACK);
  });

  it('falls back when normalisation makes the path too long', () => {
    expect(safeReturnTo(`/${'é'.repeat(1000)}`, FALLBACK)).toBe(FALLBACK);
  });

  it('falls back for values that are not strings', () => {
    for (const v of [undefined, null, 42, {}, ['/notes'], new URL('https://app.example/notes'), true]) {
      expect(safeReturnTo(v, FALLBACK)).toBe(FALLBACK);
      expect(isSafeReturnTo(v)).toBe(false);
    }
  });

  it("uses '/' as the default fallback", () => {
    expect(safeReturnTo('//evil.com')).toBe('/');
  });

  it("replaces an unsafe fallback with '/'", () => {
    expect(safeReturnTo('//evil.com', 'https://evil.com')).toBe('/');
    expect(safeReturnTo('//evil.com', '//evil.com')).toBe('/');
  });

  it('never throws and always returns a same-origin path (property)', () => {
    const pathish = fc
      .array(fc.constantFrom('/', '\\', '%', '2F', '5C', '2e', '25', '.', '..', ':', '@', '?', '#', 'evil.com', '\t', '\n', ' ', '\u0000', '\uff0f', 'a'), { maxLength: 12 })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.webUrl(), pathish, pathish.map((p) => `/${p}`)), (s) => {
        assertSafeOutput(safeReturnTo(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('is idempotent: a result passes through unchanged (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webPath()), (s) => {
        const once = safeReturnTo(s);
        expect(safeReturnTo(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });
});

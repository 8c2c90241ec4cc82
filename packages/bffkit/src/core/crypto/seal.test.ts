import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveKeyRing, type KeyRing, type Purpose } from './keys';
import { MAX_SEALED_LENGTH, seal, sealJson, unseal, unsealJson } from './seal';

const S1 = 'first-secret-with-at-least-32-characters';
const S2 = 'second-secret-with-at-least-32-characters';
const PURPOSES: Purpose[] = ['session', 'transaction', 'successor', 'session-id', 'handoff'];
const ring = deriveKeyRing([S1], 'session');
const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString('utf8'));

describe('seal and unseal', () => {
  it('round-trips bytes', () => {
    const sealed = seal(ring, Buffer.from('hello world'));
    expect(text(unseal(ring, sealed))).toBe('hello world');
  });

  it('round-trips an empty plaintext and a large one', () => {
    expect(unseal(ring, seal(ring, new Uint8Array(0)))).toEqual(Buffer.alloc(0));
    const big = Buffer.alloc(20_000, 7);
    expect(Buffer.from(unseal(ring, seal(ring, big))!).equals(big)).toBe(true);
  });

  it('produces unpadded base64url with the version and key id up front', () => {
    const sealed = seal(ring, Buffer.from('x'));
    expect(sealed).toMatch(/^[A-Za-z0-9_-]+$/);
    const raw = Buffer.from(sealed, 'base64url');
    expect(raw[0]).toBe(1);
    expect(raw[1]).toBe(ring.keys[0]!.id);
    expect(raw.length).toBe(2 + 12 + 1 + 16);
  });

  it('uses a fresh IV every time, so equal plaintexts give different values', () => {
    const a = seal(ring, Buffer.from('same'));
    const b = seal(ring, Buffer.from('same'));
    expect(a).not.toBe(b);
  });

  it('never opens a value sealed for another purpose, even with the same secret', () => {
    for (const from of PURPOSES) {
      const sealed = seal(deriveKeyRing([S1], from), Buffer.from('p'));
      for (const to of PURPOSES) {
        const opened = unseal(deriveKeyRing([S1], to), sealed);
        expect(opened === null).toBe(from !== to);
      }
    }
  });

  it('binds the purpose through the AAD even when two purposes share a key', () => {
    const session = deriveKeyRing([S1], 'session');
    const forged: KeyRing = { purpose: 'handoff', keys: session.keys };
    expect(unseal(forged, seal(session, Buffer.from('p')))).toBeNull();
  });

  it('still opens values sealed with an older secret listed second (rotation)', () => {
    const sealed = seal(deriveKeyRing([S1], 'session'), Buffer.from('old'));
    const rotated = deriveKeyRing([S2, S1], 'session');
    expect(text(unseal(rotated, sealed))).toBe('old');
    // …and new values are sealed with the first secret only.
    expect(unseal(deriveKeyRing([S1], 'session'), seal(rotated, Buffer.from('new')))).toBeNull();
  });

  it('treats values sealed with a removed secret as anonymous', () => {
    const sealed = seal(deriveKeyRing([S2, S1], 'session'), Buffer.from('x'));
    expect(unseal(deriveKeyRing([S1], 'session'), sealed)).toBeNull();
  });

  it('opens values when two secrets share a key id (the id is only a hint)', () => {
    const byId = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const s = `collision-search-secret-number-${i}-padding`;
      const id = deriveKeyRing([s], 'session').keys[0]!.id;
      const other = byId.get(id);
      if (other) pair = [other, s];
      else byId.set(id, s);
    }
    const [first, second] = pair;
    const both = deriveKeyRing([first, second], 'session');
    expect(both.keys[0]!.id).toBe(both.keys[1]!.id);
    const sealedBySecond = seal(deriveKeyRing([second], 'session'), Buffer.from('c'));
    expect(text(unseal(both, sealedBySecond))).toBe('c');
  });

  it('opens values whose key id no longer matches the derived id', () => {
    const sealed = seal(ring, Buffer.from('hint'));
    const renumbered: KeyRing = { purpose: 'session', keys: [{ id: (ring.keys[0]!.id + 1) % 256, key: ring.keys[0]!.key }] };
    expect(text(unseal(renumbered, sealed))).toBe('hint');
  });

  it('rejects every single-bit flip of the decoded bytes', () => {
    const raw = Buffer.from(seal(ring, Buffer.from('tamper me please')), 'base64url');
    for (let i = 0; i < raw.length; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = Buffer.from(raw);
        copy[i]! ^= 1 << bit;
        expect(unseal(ring, copy.toString('base64url'))).toBeNull();
      }
    }
  });

  it('rejects every single-bit flip of the encoded characters', () => {
    // 17 bytes of plaintext → 47 bytes → 63 characters: the last one carries unused bits.
    const sealed = seal(ring, Buffer.from('seventeen bytes!!'));
    expect(sealed.length % 4).not.toBe(0);
    for (let i = 0; i < sealed.length; i++) {
      for (let bit = 0; bit < 16; bit++) {
        const c = String.fromCharCode(sealed.charCodeAt(i) ^ (1 << bit));
        expect(unseal(ring, sealed.slice(0, i) + c + sealed.slice(i + 1))).toBeNull();
      }
    }
  });

  it('rejects every truncation and every extension', () => {
    const sealed = seal(ring, Buffer.from('truncate me'));
    for (let n = 0; n < sealed.length; n++) expect(unseal(ring, sealed.slice(0, n))).toBeNull();
    for (const extra of ['A', 'AA', 'AAA', 'AAAA', '=', '==', '.', ' ']) expect(unseal(ring, sealed + extra)).toBeNull();
  });

  it('rejects non-base64url spellings of a valid value (standard alphabet, padding, whitespace)', () => {
    const sealed = seal(ring, Buffer.from([0xfb, 0xff, 0xfe, 0x3e, 0x3f]));
    const b64 = Buffer.from(sealed, 'base64url').toString('base64');
    expect(unseal(ring, b64)).toBeNull();
    expect(unseal(ring, ` ${sealed}`)).toBeNull();
    expect(unseal(ring, `${sealed.slice(0, 10)}\n${sealed.slice(10)}`)).toBeNull();
  });

  it('rejects a wrong format version', () => {
    const raw = Buffer.from(seal(ring, Buffer.from('v')), 'base64url');
    raw[0] = 2;
    expect(unseal(ring, raw.toString('base64url'))).toBeNull();
  });

  it('rejects oversized values before decoding them', () => {
    expect(unseal(ring, 'A'.repeat(MAX_SEALED_LENGTH + 1))).toBeNull();
    expect(unseal(ring, 'A'.repeat(8 * 1024))).toBeNull();
  });

  it('returns null for garbage of every kind without throwing', () => {
    for (const v of ['', ' ', 'null', '%', '\u0000', 'é'.repeat(50), '💥'.repeat(40), 'A'.repeat(40), '-'.repeat(41)]) {
      expect(unseal(ring, v)).toBeNull();
    }
    expect(unseal(ring, undefined as unknown as string)).toBeNull();
    expect(unseal(ring, 42 as unknown as string)).toBeNull();
  });

  it('never throws and never opens arbitrary strings (property)', () => {
    const b64url = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), minLength: 38, maxLength: 300 });
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), b64url), (s) => {
        expect(unseal(ring, s)).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it('never opens forged values carrying the right version and key id (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 28, maxLength: 200 }), (body) => {
        const forged = Buffer.concat([Buffer.from([1, ring.keys[0]!.id]), body]).toString('base64url');
        expect(unseal(ring, forged)).toBeNull();
      }),
      { numRuns: 1000 },
    );
  });
});

describe('sealJson and unsealJson', () => {
  it('round-trips JSON values', () => {
    const value = { user: { id: 'u1', name: 'Zoë ✓' }, n: 1, list: [true, null] };
    expect(unsealJson(ring, sealJson(ring, value))).toEqual(value);
  });

  it('returns null for a sealed value that is not JSON', () => {
    expect(unsealJson(ring, seal(ring, Buffer.from('{not json')))).toBeNull();
  });

  it('returns null for tampered or foreign values', () => {
    expect(unsealJson(ring, sealJson(deriveKeyRing([S2], 'session'), { a: 1 }))).toBeNull();
    expect(unsealJson(ring, 'garbage')).toBeNull();
  });

  it('refuses values JSON cannot represent as a caller bug', () => {
    expect(() => sealJson(ring, undefined)).toThrow(TypeError);
  });
});

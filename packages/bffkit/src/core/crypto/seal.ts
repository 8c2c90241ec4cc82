/**
 * Authenticated encryption of cookie values (docs/security.md 3-5): AES-256-GCM with a per-purpose key.
 *
 * Format (then base64url without padding):
 *   [0x01 version][key id][12-byte random IV][ciphertext][16-byte GCM tag]
 * AAD = "bffkit:v1:<purpose>" followed by the two header bytes, so a value sealed for one purpose never
 * opens for another, and the version / key-id bytes cannot be altered without failing authentication.
 */
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import type { KeyRing, Purpose } from './keys';

const VERSION = 0x01;
const HEADER_BYTES = 2;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const OVERHEAD = HEADER_BYTES + IV_BYTES + TAG_BYTES;
const ALGORITHM = 'aes-256-gcm';

/** Longest sealed string `unseal` will look at. Anything longer is rejected before any work (DoS guard). */
export const MAX_SEALED_LENGTH = 64 * 1024;
/** Shortest possible sealed string: the overhead of an empty plaintext, in base64url characters. */
const MIN_SEALED_LENGTH = Math.ceil((OVERHEAD * 4) / 3);

// Strict charset: Buffer.from(…, 'base64url') silently skips invalid characters and also accepts
// '+', '/' and '=', which would let many strings decode to the same bytes.

/**
 * Seals bytes for one purpose with the ring's first key.
 *
 * @example
 * const cookie = seal(ring, new TextEncoder().encode('hello'));
 */
export function seal(ring: KeyRing, plaintext: Uint8Array): string {
  const current = ring.keys[0];
  if (!current) throw new TypeError('bffkit: cannot seal with an empty key ring');
  // One output buffer, filled in place: no intermediate concatenations.
  const out = Buffer.allocUnsafe(OVERHEAD + plaintext.length);
  out[0] = VERSION;
  out[1] = current.id;
  const iv = out.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  // Random 96-bit IVs: safe for far more values than one secret will ever seal (rotate secrets anyway).
  randomFillSync(iv);
  const cipher = createCipheriv(ALGORITHM, current.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(ring.purpose, current.id));
  const body = HEADER_BYTES + IV_BYTES;
  const written = cipher.update(plaintext).copy(out, body);
  cipher.final(); // GCM is a stream mode: final() yields no bytes, it only computes the tag.
  cipher.getAuthTag().copy(out, body + written);
  return out.toString('base64url');
}

/**
 * Opens a sealed value. Returns null for anything that is not a value this ring sealed for this purpose
 * (garbage, wrong key, removed secret, tampering, truncation). Never throws.
 *
 * @example
 * const bytes = unseal(ring, cookieValue); // Uint8Array | null
 */
export function unseal(ring: KeyRing, value: string): Uint8Array | null {
  if (typeof value !== 'string') return null;
  const n = value.length;
  if (n < MIN_SEALED_LENGTH || n > MAX_SEALED_LENGTH || n % 4 === 1) return null;
  // Canonical base64url only, checked with native scans (a regex over the whole value costs about as
  // much as decrypting a typical session): ASCII only (the decoder would read just the low byte of a
  // wider character), none of '+', '/', '=' (which the decoder also accepts), and every other
  // character outside the alphabet is skipped by the decoder, so it shows as a short output below.
  if (Buffer.byteLength(value, 'utf8') !== n || value.includes('+') || value.includes('/') || value.includes('=')) return null;
  if (!hasCanonicalTail(value)) return null;
  const buf = Buffer.from(value, 'base64url');
  if (buf.length !== Math.floor((n * 3) / 4)) return null;
  if (buf.length < OVERHEAD || buf[0] !== VERSION) return null;
  const id = buf[1]!;
  const iv = buf.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  const ciphertext = buf.subarray(HEADER_BYTES + IV_BYTES, buf.length - TAG_BYTES);
  const tag = buf.subarray(buf.length - TAG_BYTES);
  const ad = aad(ring.purpose, id);
  // The id is only a hint: try the keys it names first (several may share one byte), then the rest,
  // so values survive a future change in how ids are derived. Tampered ids fail authentication anyway.
  for (const k of ring.keys) {
    if (k.id === id) {
      const opened = open(k.key, iv, ciphertext, tag, ad);
      if (opened) return opened;
    }
  }
  for (const k of ring.keys) {
    if (k.id !== id) {
      const opened = open(k.key, iv, ciphertext, tag, ad);
      if (opened) return opened;
    }
  }
  return null;
}

/**
 * Seals any JSON-serialisable value.
 *
 * @example
 * const cookie = sealJson(ring, { sub: 'u1' });
 */
export function sealJson(ring: KeyRing, value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('bffkit: sealJson needs a JSON-serialisable value');
  return seal(ring, Buffer.from(text, 'utf8'));
}

/**
 * Opens a value sealed by {@link sealJson}. The type parameter is not checked at runtime: the value is
 * authentic (only we could have sealed it) but callers should still validate its shape across versions.
 *
 * @example
 * const data = unsealJson<{ sub: string }>(ring, cookieValue); // or null
 */
export function unsealJson<T>(ring: KeyRing, value: string): T | null {
  const bytes = unseal(ring, value);
  if (!bytes) return null;
  try {
    const b = bytes as Buffer; // unseal returns a Buffer (a Uint8Array subclass): decode without copying.
    return JSON.parse(b.toString('utf8')) as T;
  } catch {
    return null;
  }
}

function open(key: Buffer, iv: Buffer, ciphertext: Buffer, tag: Buffer, ad: Buffer): Buffer | null {
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(ad);
    decipher.setAuthTag(tag);
    const plaintext = decipher.update(ciphertext);
    decipher.final(); // Throws when the tag does not verify; the plaintext above is then discarded.
    return plaintext;
  } catch {
    return null;
  }
}

// AAD buffers are tiny and bounded (5 purposes × 256 ids): cache them instead of rebuilding per call.
const aadCache = new Map<string, Buffer>();
function aad(purpose: Purpose, id: number): Buffer {
  const cacheKey = `${purpose}:${id}`;
  let b = aadCache.get(cacheKey);
  if (!b) {
    const prefix = Buffer.from(`bffkit:v1:${purpose}`, 'utf8');
    b = Buffer.concat([prefix, Buffer.from([VERSION, id])]);
    aadCache.set(cacheKey, b);
  }
  return b;
}

// Index of each base64url character's 6-bit value, to check the padding bits of the last character.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Rejects non-canonical encodings: when the length is not a multiple of 4, the last character carries
 * unused low bits that decoders ignore. Requiring them to be zero gives every byte string exactly one
 * accepted spelling, so no altered string can ever open.
 */
function hasCanonicalTail(value: string): boolean {
  const rem = value.length % 4;
  if (rem === 0) return true;
  const last = ALPHABET.indexOf(value[value.length - 1]!);
  return rem === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}

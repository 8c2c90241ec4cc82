// The contenders bffkit is measured against, each sealing the same session object (as JSON) the way
// its documentation shows, with keys prepared once where the library allows it.
import { createCipheriv, createDecipheriv, randomBytes, webcrypto } from 'node:crypto';
import { encode as authEncode, decode as authDecode } from '@auth/core/jwt';
import { sealData, unsealData } from 'iron-session';
import { CompactEncrypt, compactDecrypt } from 'jose';

const SECRET = 'YmVuY2gtc2VjcmV0LWZvci1iZmZraXQtYmVuY2htYXJrcw';
/** Auth.js derives its key from the secret and this salt (the cookie name). */
const AUTHJS_SALT = '__Secure-authjs.session-token';
const MAX_AGE = 30 * 24 * 60 * 60;

/** Builds every anchor's seal/open pair around one 256-bit key. */
export async function anchors() {
  const key = randomBytes(32);
  const subtleKey = await webcrypto.subtle.importKey('raw', key, 'AES-GCM', false, ['encrypt', 'decrypt']);
  const decoder = new TextDecoder();

  return {
    /** The floor: base64url → AES-256-GCM decrypt (node:crypto) → JSON.parse. */
    nodeGcm: {
      seal(value) {
        const iv = randomBytes(12);
        const c = createCipheriv('aes-256-gcm', key, iv);
        const ct = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
        return Buffer.concat([iv, ct, c.getAuthTag()]).toString('base64url');
      },
      open(sealed) {
        const b = Buffer.from(sealed, 'base64url');
        const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
        d.setAuthTag(b.subarray(b.length - 16));
        const pt = d.update(b.subarray(12, b.length - 16));
        d.final();
        return JSON.parse(pt.toString('utf8'));
      },
    },
    /** The same with WebCrypto (crypto.subtle), key imported once. */
    webCrypto: {
      async seal(value) {
        const iv = randomBytes(12);
        const ct = await webcrypto.subtle.encrypt({ name: 'AES-GCM', iv }, subtleKey, Buffer.from(JSON.stringify(value)));
        return Buffer.concat([iv, Buffer.from(ct)]).toString('base64url');
      },
      async open(sealed) {
        const b = Buffer.from(sealed, 'base64url');
        const pt = await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: b.subarray(0, 12) }, subtleKey, b.subarray(12));
        return JSON.parse(decoder.decode(pt));
      },
    },
    /** jose compact JWE, dir + A256GCM, with a pre-imported CryptoKey. */
    jose: {
      async seal(value) {
        return new CompactEncrypt(Buffer.from(JSON.stringify(value))).setProtectedHeader({ alg: 'dir', enc: 'A256GCM' }).encrypt(subtleKey);
      },
      async open(sealed) {
        const { plaintext } = await compactDecrypt(sealed, subtleKey);
        return JSON.parse(decoder.decode(plaintext));
      },
    },
    /** Auth.js session token (JWE dir + A256CBC-HS512, key derived from secret + salt per call). */
    authjs: {
      seal: (value) => authEncode({ token: value, secret: SECRET, salt: AUTHJS_SALT, maxAge: MAX_AGE }),
      open: (sealed) => authDecode({ token: sealed, secret: SECRET, salt: AUTHJS_SALT }),
    },
    /** iron-session's sealData / unsealData (iron: PBKDF2-derived keys per call). */
    iron: {
      seal: (value) => sealData(value, { password: SECRET, ttl: MAX_AGE }),
      open: (sealed) => unsealData(sealed, { password: SECRET, ttl: MAX_AGE }),
    },
  };
}

import { randomBytes } from 'node:crypto';

/**
 * A fresh random session id: 128 bits, base64url.
 *
 * @example
 * const id = newSessionId(); // 'q3V2…' (22 characters)
 */
export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}

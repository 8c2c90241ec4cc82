/**
 * The provider's users: the same demo accounts as the example backend (matched there by e-mail).
 * Subjects are the provider's own ids, deliberately not the backend's, as with any real provider.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Seeded accounts (development only: plain-text passwords, compared in constant time). */
export const ACCOUNTS = [
  { id: 'u-1001', email: 'demo@example.com', password: 'demo-password', name: 'Demo User' },
  { id: 'u-1002', email: 'second@example.com', password: 'second-password', name: 'Second User' },
];

const digest = (s) => createHash('sha256').update(String(s)).digest();

/**
 * The account for an e-mail and password, or undefined (same work whether or not the user exists).
 *
 * @example
 * checkPassword('demo@example.com', 'demo-password')?.id // 'u-1001'
 */
export function checkPassword(email, password) {
  const candidate = ACCOUNTS.find((a) => a.email === String(email ?? '').trim().toLowerCase());
  const ok = timingSafeEqual(digest(candidate?.password ?? '\0never'), digest(password ?? ''));
  return candidate && ok ? candidate : undefined;
}

/** The account with this id (the OIDC `sub`), or undefined. */
export function accountById(id) {
  return ACCOUNTS.find((a) => a.id === id);
}

/**
 * oidc-provider's `findAccount`: the claims a token or the userinfo endpoint may carry.
 *
 * @example
 * const provider = new Provider(issuer, { findAccount, ... });
 */
export async function findAccount(_ctx, id) {
  const account = accountById(id);
  if (!account) return undefined;
  return {
    accountId: account.id,
    async claims() {
      return { sub: account.id, email: account.email, email_verified: true, name: account.name };
    },
  };
}

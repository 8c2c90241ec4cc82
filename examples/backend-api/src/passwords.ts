import { randomBytes } from 'node:crypto';
import { hash, verify, type Options } from '@node-rs/argon2';

/** `Algorithm.Argon2id` (a const enum, which verbatimModuleSyntax cannot import as a value). */
const ARGON2ID = 2 as Options['algorithm'];

/**
 * argon2id parameters: OWASP's minimum recommendation (19 MiB, 2 passes, 1 lane), which keeps a
 * verification in the tens of milliseconds so integration tests stay fast.
 */
const ARGON2_OPTIONS: Options = {
  algorithm: ARGON2ID,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
};

/** Passwords longer than this are rejected before hashing (avoids CPU abuse). */
export const MAX_PASSWORD_LENGTH = 1024;

/**
 * Hashes a password with argon2id; the result is a PHC string carrying its own salt and params.
 *
 * @example
 * const stored = await hashPassword('demo-password');
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/**
 * Verifies a password against a PHC hash. Returns false (never throws) on mismatch or a malformed hash.
 *
 * @example
 * if (await verifyPassword(user.password_hash, input)) { ... }
 */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/**
 * Builds a verifier used when the email is unknown: it runs a full argon2id verification against a
 * throw-away hash so "unknown user" and "wrong password" take the same time (no user enumeration).
 *
 * @example
 * const dummyVerify = await createDummyVerifier();
 * await dummyVerify(password); // always false
 */
export async function createDummyVerifier(): Promise<(password: string) => Promise<false>> {
  const dummyHash = await hashPassword(randomBytes(32).toString('base64url'));
  return async (password: string) => {
    await verifyPassword(dummyHash, password);
    return false;
  };
}

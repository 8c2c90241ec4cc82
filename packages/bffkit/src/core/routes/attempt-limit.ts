import { createHash } from 'node:crypto';
import { clientAddress } from '../http/client-ip';
import type { ResolvedConfig } from '../config';
import { BffError } from '../errors';

/**
 * Brute-force protection for login (SECURITY.md 28): attempts are counted per account and per client
 * address within a window; a successful login clears the account's count. The client address comes from X-Forwarded-For only with `trustProxy`;
 * without it (and with no socket address, as in Next.js route handlers) only the per-account limit
 * applies, since counting every client as one 'unknown' address would let one attacker lock everyone out.
 */
function keys(config: ResolvedConfig, request: Request | null, email: string): string[] {
  // Why hashed: counter keys may live in Redis; they should not hold email addresses.
  const account = createHash('sha256').update(email.trim().toLowerCase()).digest('base64url');
  const out = [`login:acct:${account}`];
  if (request) {
    const address = clientAddress(request, { trustProxy: config.trustProxy });
    if (address !== 'unknown') out.push(`login:addr:${address}`);
  }
  return out;
}

/**
 * Reserves one sign-in attempt against the account and the client address, and answers whether it may
 * proceed, or the `rate_limited` error (with Retry-After) to answer. Counting happens BEFORE the backend
 * is asked: checking first and counting after the answer would let a burst of parallel guesses all pass
 * the check. A successful login then clears the account's count (not the address's).
 *
 * @example
 * const allowed = await reserveLoginAttempt(config, request, email);
 * if (!allowed.ok) throw allowed.error;
 */
export async function reserveLoginAttempt(
  config: ResolvedConfig,
  request: Request,
  email: string,
): Promise<{ ok: true } | { ok: false; error: BffError }> {
  const { store, maxPerAccount, maxPerAddress, window } = config.loginRateLimit;
  const [account, address] = keys(config, request, email);
  const checks: [string | undefined, number][] = [[account, maxPerAccount], [address, maxPerAddress]];
  let retryAfter = 0;
  for (const [key, max] of checks) {
    if (!key) continue;
    const { count, resetIn } = await store.increment(key, window);
    if (count > max) retryAfter = Math.max(retryAfter, resetIn);
  }
  if (retryAfter === 0) return { ok: true };
  return {
    ok: false,
    error: new BffError('rate_limited', 'Too many sign-in attempts. Try again later.', { 'retry-after': String(retryAfter) }),
  };
}

/**
 * A successful login clears the account's count and takes its attempt back from the address's count,
 * so people signing in behind one shared address (an office NAT) are not limited by each other's
 * successes, only by failures.
 */
export async function recordLoginSuccess(config: ResolvedConfig, request: Request, email: string): Promise<void> {
  const [account, address] = keys(config, request, email);
  const { store } = config.loginRateLimit;
  await Promise.all([account && store.reset(account), address && store.decrement(address)]);
}

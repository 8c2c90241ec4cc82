import { createHash } from 'node:crypto';
import type { ResolvedConfig } from '../config';
import { BffError } from '../errors';
import { clientAddress } from '../http/client-ip';

/** What is being attempted: a credential login, or a token handoff (counted apart). */
export type AttemptKind = 'login' | 'handoff';

/** One attempt's place in the brute-force limits. */
export interface AttemptLimit {
  /**
   * Reserves one attempt against the account and the client address, and answers whether it may
   * proceed, or the `rate_limited` error (with Retry-After) to answer. Counting happens BEFORE the
   * backend is asked: checking first and counting after the answer would let a burst of parallel
   * guesses all pass the check.
   */
  reserve(): Promise<{ ok: true } | { ok: false; error: BffError }>;
  /**
   * The attempt succeeded: the account's count is cleared and the attempt taken back from the
   * address's count, so people signing in behind one shared address (an office NAT) are limited only
   * by failures, never by each other's successes.
   */
  succeeded(): Promise<void>;
}

/**
 * The account identity as counted: Unicode NFKC, invisible characters (zero-width, soft hyphen)
 * dropped, surrounding whitespace trimmed, lower-cased. For the counter key only (the backend gets
 * the value as typed): spellings one backend may treat as one account count as one, so variants
 * cannot buy extra guesses. Over-counting a case-sensitive backend's two accounts is the safe side.
 *
 * @example
 * normalizedIdentity(' Ａlice@Example.COM\u200b'); // 'alice@example.com'
 */
export function normalizedIdentity(value: string): string {
  return value.normalize('NFKC').replace(/\p{Default_Ignorable_Code_Point}/gu, '').trim().toLowerCase();
}

/**
 * Brute-force protection (docs/security.md 28) for one attempt: counted per account (when there is
 * one) and per client address within a window. The client address comes from X-Forwarded-For only
 * with `trustProxy`; without it (and with no socket address, as in Next.js route handlers) only the
 * per-account limit applies, since counting every client as one 'unknown' address would let one
 * attacker lock everyone out.
 *
 * @example
 * const limit = attemptLimit(ctx.config, request, 'login', email);
 * const reserved = await limit.reserve();
 * if (!reserved.ok) throw reserved.error;
 */
export function attemptLimit(config: ResolvedConfig, request: Request, kind: AttemptKind, account?: string): AttemptLimit {
  const { store, maxPerAccount, maxPerAddress, window } = config.loginRateLimit;
  // Why hashed: counter keys may live in Redis; they should not hold email addresses.
  const accountKey = account === undefined ? undefined : `${kind}:acct:${createHash('sha256').update(normalizedIdentity(account)).digest('base64url')}`;
  const address = clientAddress(request, { trustProxy: config.trustProxy });
  const addressKey = address === 'unknown' ? undefined : `${kind}:addr:${address}`;
  return {
    async reserve() {
      let retryAfter = 0;
      for (const [key, max] of [[accountKey, maxPerAccount], [addressKey, maxPerAddress]] as const) {
        if (!key) continue;
        const { count, resetIn } = await store.increment(key, window);
        if (count > max) retryAfter = Math.max(retryAfter, resetIn);
      }
      if (retryAfter === 0) return { ok: true };
      return {
        ok: false,
        error: new BffError('rate_limited', 'Too many sign-in attempts. Try again later.', { 'retry-after': String(retryAfter) }),
      };
    },
    async succeeded() {
      await Promise.all([accountKey && store.reset(accountKey), addressKey && store.decrement(addressKey)]);
    },
  };
}

import type { LoginTransaction } from '../../backends/adapter';
import type { ResolvedConfig } from '../../config';
import { cookie, expiredCookie, parseCookieHeader, type Cookie, type CookieAttributes } from '../../http/cookie';
import { deriveKeyRing, type KeyRing } from '../../crypto/keys';
import { safeReturnTo } from '../../http/return-to';
import { sealJson, unsealJson } from '../../crypto/seal';
import { TEN_MINUTES } from '../../stores/used-once';

/** How long a started login may take before its callback is refused (seconds). */
export const TRANSACTION_TTL = TEN_MINUTES;

/** A login in progress, as read back at the callback. */
export interface PendingLogin {
  transaction: LoginTransaction;
  /** Where to go after the login (already validated when the login started). */
  returnTo: string;
}

/** Sealed form: `t` transaction fields, `r` returnTo, `e` expiry (epoch seconds). */
interface Wire {
  v: 1;
  t: Record<string, unknown>;
  r: string;
  e: number;
}

const MAX_FIELD = 2048;

/**
 * The short-lived cookie that carries a login from its start to its callback: state, nonce and the
 * PKCE verifier, sealed under the 'transaction' purpose key (so it can never be replayed as a session
 * cookie, nor a session cookie as this). Only the browser that started the login holds it, which is
 * what binds the callback to that browser.
 */
export class TransactionCookie {
  readonly name: string;
  private readonly ring: KeyRing;
  private readonly attrs: CookieAttributes;

  constructor(config: ResolvedConfig) {
    this.ring = deriveKeyRing(config.secrets, 'transaction');
    // Same prefix rules as the session cookie: `__Host-bffkit-tx` when Secure.
    this.name = `${config.cookie.name}-tx`;
    // Why always Lax: the callback is a top-level navigation coming back from the provider's site;
    // a Strict cookie would not be sent with it. Lax still keeps it off cross-site subrequests and POSTs.
    this.attrs = { httpOnly: true, secure: config.cookie.secure, sameSite: 'lax', path: '/' };
  }

  /**
   * The cookie that starts a login. A newer login in the same browser replaces an older one.
   *
   * @example
   * const started = transactions.write(redirect.transaction, '/profile', now);
   */
  write(transaction: LoginTransaction, returnTo: string, now: number): Cookie {
    const wire: Wire = { v: 1, t: { ...transaction }, r: returnTo, e: now + TRANSACTION_TTL };
    return cookie(this.name, sealJson(this.ring, wire), { ...this.attrs, maxAge: TRANSACTION_TTL });
  }

  /**
   * The login in progress, or null when the cookie is absent, duplicated, foreign, tampered or expired.
   *
   * @example
   * const pending = ctx.transactions.read(request.headers.get('cookie'), now);
   */
  read(cookieHeader: string | null, now: number): PendingLogin | null {
    const values = parseCookieHeader(cookieHeader).get(this.name);
    // Two values: one was planted by someone else, and we cannot tell which.
    if (!values || values.length !== 1) return null;
    const wire = unsealJson<Partial<Wire>>(this.ring, values[0]!);
    if (!wire || wire.v !== 1 || typeof wire.e !== 'number' || wire.e <= now || typeof wire.r !== 'string') return null;
    const t = wire.t;
    if (!t || typeof t !== 'object' || typeof t.state !== 'string' || t.state === '') return null;
    const transaction: LoginTransaction = { state: t.state };
    for (const [k, v] of Object.entries(t)) {
      if (typeof v !== 'string' || v.length > MAX_FIELD) return null;
      transaction[k] = v;
    }
    return { transaction, returnTo: safeReturnTo(wire.r) };
  }

  /** The cookie that deletes the transaction cookie (every callback, successful or not: single use). */
  clear(): Cookie {
    return expiredCookie(this.name, this.attrs);
  }
}

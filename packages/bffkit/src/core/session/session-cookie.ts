import { randomBytes } from 'node:crypto';
import { readCookieChunks, writeCookieChunks, clearCookieChunks } from './chunks';
import { parseCookieHeader, type CookieAttributes } from '../http/cookie';
import type { ResolvedConfig } from '../config';
import { deriveKeyRing, type KeyRing } from '../crypto/keys';
import { isSessionAlive, sessionExpiresAt } from './lifetime';
import { seal, sealJson, unseal, unsealJson } from '../crypto/seal';
import { decodeSession, encodeSession } from './codec';
import type { SessionData } from '../types';

/** What the request's cookies say about the session. */
export interface CookieRead {
  /** The live session, or null (absent, tampered, expired, revoked). */
  session: SessionData | null;
  /** Every cookie name of the session family the request carried. */
  presentNames: string[];
  /** True when a session cookie was present but unusable: the response should clear it. */
  invalid: boolean;
}

/** A fresh random session id: 128 bits, base64url. */
export function newSessionId(): string {
  return randomBytes(16).toString('base64url');
}

const CACHE_SIZE = 1000;

/**
 * Reads and writes the session cookie. In cookie mode the cookie holds the sealed session; with a
 * server-side store it holds only the sealed session id and the data lives in the store.
 * Keys are derived once here, never per request.
 */
export class SessionCookie {
  private readonly ring: KeyRing;
  private readonly attrs: CookieAttributes;
  // Why a cache keyed by the exact sealed string is safe: GCM already authenticated that exact value
  // under our keys, so the decoded result for the same string cannot differ. Lifetimes, revocation
  // and the store are still checked on every read. It saves the decrypt when proxy.ts and the
  // route handler of the same request both read the session.
  // The map is indexed by the value's tail (inside the random-looking GCM tag) and each entry keeps
  // the whole value, compared in full before use: hashing a 1-4 KB string on every lookup cost a
  // quarter of a cold read. A tail collision is only a cache miss.
  private readonly cache = new Map<string, { value: string; decoded: SessionData | string }>();
  // Cookie mode cannot delete a cookie the browser keeps; sessions ended here are remembered so a
  // replayed cookie is anonymous on this instance (use a store for revocation across instances).
  private readonly ended = new Map<string, number>();

  constructor(private readonly config: ResolvedConfig) {
    this.ring = deriveKeyRing(config.secrets, config.store ? 'session-id' : 'session');
    this.attrs = { httpOnly: true, secure: config.cookie.secure, sameSite: config.cookie.sameSite, path: '/' };
  }

  /**
   * Reads the session from a Cookie header. Never throws for bad input; a store outage throws
   * the store's BffError (`store_unavailable`).
   */
  async read(cookieHeader: string | null, now: number): Promise<CookieRead> {
    const chunks = readCookieChunks(parseCookieHeader(cookieHeader), this.config.cookie.name);
    const presentNames = chunks.presentNames;
    if (chunks.value === null) {
      if (chunks.tampered) this.config.logger.warn('session cookie set is inconsistent (duplicate or missing chunk); treated as anonymous');
      return { session: null, presentNames, invalid: presentNames.length > 0 };
    }
    const session = await this.decode(chunks.value);
    if (!session) return { session: null, presentNames, invalid: true };
    if (!isSessionAlive(session, now, this.config) || this.isEnded(session.id, now)) {
      return { session: null, presentNames, invalid: true };
    }
    return { session, presentNames, invalid: false };
  }

  /**
   * Set-Cookie lines that store `session` (and persist it to the store in store mode). With
   * `'update'`, answers null when the session has ended meanwhile (logout won the race).
   */
  async write(session: SessionData, presentNames: readonly string[], now: number, mode: 'create' | 'update'): Promise<string[] | null> {
    // Whole seconds: Max-Age must be an integer, and timeouts or an injected clock may be fractional.
    const maxAge = Math.max(0, Math.floor(sessionExpiresAt(session, this.config) - now));
    const store = this.config.store;
    let value: string;
    if (mode === 'update' && this.isEnded(session.id, now)) return null;
    if (store) {
      if (!(await store.set(session, maxAge, mode))) return null;
      value = sealJson(this.ring, { v: 1, i: session.id });
    } else {
      value = seal(this.ring, encodeSession(session));
    }
    this.remember(value, store ? session.id : session);
    return writeCookieChunks(this.config.cookie.name, value, { ...this.attrs, maxAge }, presentNames);
  }

  /** Set-Cookie lines that delete every present cookie of the session family. */
  clear(presentNames: readonly string[]): string[] {
    const names = presentNames.length ? presentNames : [this.config.cookie.name];
    return clearCookieChunks(names, this.attrs);
  }

  /** Ends a session: deleted from the store, or remembered as ended until its absolute timeout. */
  async end(session: SessionData, now: number): Promise<void> {
    if (this.config.store) {
      await this.config.store.delete(session.id);
      return;
    }
    this.ended.set(session.id, session.createdAt + this.config.absoluteTimeout);
    if (this.ended.size > 100_000) {
      for (const [id, until] of this.ended) if (until <= now || this.ended.size > 100_000) this.ended.delete(id);
    }
  }

  private isEnded(id: string, now: number): boolean {
    const until = this.ended.get(id);
    return until !== undefined && until > now;
  }

  private async decode(value: string): Promise<SessionData | null> {
    const cached = this.cache.get(cacheKey(value));
    let hit = cached !== undefined && cached.value === value ? cached.decoded : undefined;
    if (hit === undefined) {
      if (this.config.store) {
        const raw = unsealJson<unknown>(this.ring, value);
        const id = raw && typeof raw === 'object' ? (raw as { i?: unknown }).i : undefined;
        if (typeof id !== 'string') return this.rejected();
        hit = id;
      } else {
        const s = decodeSession(unseal(this.ring, value));
        if (!s) return this.rejected();
        hit = s;
      }
      this.remember(value, hit);
    }
    if (typeof hit === 'string') return this.config.store ? this.config.store.get(hit) : null;
    return hit;
  }

  /** One line per rejected cookie (SECURITY.md 4), never its value. A session that simply ended in the store is not logged. */
  private rejected(): null {
    this.config.logger.warn('session cookie rejected (tampered, foreign or sealed with a retired secret); treated as anonymous');
    return null;
  }

  private remember(value: string, decoded: SessionData | string): void {
    if (this.cache.size >= CACHE_SIZE) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(cacheKey(value), { value, decoded });
  }
}

/** Characters of a sealed value's tail used as its cache index (all inside the 16-byte tag). */
const CACHE_KEY_CHARS = 20;
const cacheKey = (value: string): string => value.slice(-CACHE_KEY_CHARS);

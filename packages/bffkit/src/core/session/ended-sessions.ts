import type { Logger } from '../logger';

/**
 * Most ended sessions remembered at once. About 100 bytes each: 100,000 is ~10 MB.
 *
 * Why a bound at all, and what happens at it: every entry stands for a logout (which needs a
 * successful login first), so a flood is slow to build, but memory must not grow without limit.
 * Expired entries go first. When the memory is still full, the oldest logouts are forgotten and one
 * warning is logged: a copy of such a cookie is accepted again on this instance, but only until its
 * access token expires, because logout also revoked its refresh token at the backend. A server-side
 * session store has no such limit.
 */
export const MAX_ENDED_SESSIONS = 100_000;

/**
 * The sessions this process has ended, in stateless cookie mode: the browser's copy of a sealed
 * cookie cannot be deleted, so a replayed cookie of an ended session is refused here until the
 * session's absolute timeout (docs/security.md 11). Per process, lost on restart.
 */
export class EndedSessions {
  // id → epoch seconds until which the id is refused; Map order is the order sessions ended.
  private readonly until = new Map<string, number>();
  private full = false;

  constructor(private readonly logger: Logger, private readonly max = MAX_ENDED_SESSIONS) {}

  /**
   * Remembers that session `id` ended, until `until` (its absolute timeout).
   *
   * @example
   * ended.add(session.id, session.createdAt + config.absoluteTimeout, now);
   */
  add(id: string, until: number, now: number): void {
    this.until.delete(id);
    this.until.set(id, until);
    if (this.until.size <= this.max) return;
    for (const [key, end] of this.until) if (end <= now) this.until.delete(key);
    if (this.until.size <= this.max) return;
    if (!this.full) {
      this.full = true;
      this.logger.warn(
        `ended-session memory is full (${this.max} logouts): the oldest ended cookies are accepted again on this instance until their access token expires; use a server-side session store`,
      );
    }
    for (const key of this.until.keys()) {
      if (this.until.size <= this.max) break;
      this.until.delete(key);
    }
  }

  /** Whether session `id` was ended and is still refused at `now`. */
  has(id: string, now: number): boolean {
    const end = this.until.get(id);
    return end !== undefined && end > now;
  }
}

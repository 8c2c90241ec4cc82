import type { Lifetimes } from '../session/lifetime';
import type { SessionStrategy } from '../session/strategy';
import type { SessionData } from '../types';
import type { Metrics } from './metrics';
import { errorType } from './tracing';

/** Why load.ts ends a session when the refresh cannot go on (its log line's words). */
export type EndWhy = 'no refresh token' | 'refresh token rejected';

/**
 * Which timeout ended an expired session: the absolute one when it has passed, else the idle one;
 * null for a session stamped in the future (not a timeout: the lifetime rules refuse it as forged).
 *
 * @example
 * endedReason(session, now, config) // 'idle'
 */
export function endedReason(session: Pick<SessionData, 'createdAt' | 'lastActiveAt'>, now: number, l: Lifetimes): 'idle' | 'absolute' | null {
  if (now >= session.createdAt + l.absoluteTimeout) return 'absolute';
  if (now >= session.lastActiveAt + l.idleTimeout) return 'idle';
  return null;
}

const OPERATIONS = ['open', 'keep', 'end', 'sessionsOf', 'find', 'endAllOf'] as const;

/**
 * The strategy with every operation timed into `bffkit.session.store.duration` (attributes: the
 * operation, the mode `store` or `cookie`, and `error.type` when it threw). Until the metrics are
 * active each call goes straight through (one boolean check).
 *
 * @example
 * const sessions = timedSessions(chooseSessionStrategy(config), metrics);
 */
export function timedSessions(sessions: SessionStrategy, metrics: Metrics): SessionStrategy {
  const mode = sessions.revocable ? 'store' : 'cookie';
  // Everything the strategy has (newId and any other synchronous part), its store operations timed.
  const timed: SessionStrategy = { ...sessions, newId: sessions.newId.bind(sessions) };
  for (const op of OPERATIONS) {
    const original = (sessions[op] as (...args: unknown[]) => Promise<unknown>).bind(sessions);
    (timed as unknown as Record<string, unknown>)[op] = (...args: unknown[]) => {
      if (!metrics.active) return original(...args);
      const started = performance.now();
      return original(...args).then(
        (value) => {
          metrics.store((performance.now() - started) / 1000, op, mode);
          return value;
        },
        (error: unknown) => {
          metrics.store((performance.now() - started) / 1000, op, mode, errorType(error));
          throw error;
        },
      );
    };
  }
  return timed;
}

/**
 * Diagnostics of backend failures: what the backend did and how to fix the configuration, as one
 * server log line per spell. A diagnostic holds only the step, the configured method and path, the
 * status, field names and a short error code the backend gave: never a token, password, cookie or
 * secret (docs/security.md 2). The browser keeps getting the generic answer.
 */
import type { Logger } from '../logger';
import { FIVE_MINUTES, type Clock } from '../time';

/** Which backend call failed. */
export type BackendStep = 'login' | 'refresh' | 'user' | 'logout';

/** What kind of failure it was: the key of a spell (one log line per step and kind). */
export type DiagnosticKind =
  /** No connection (refused, DNS, TLS). */
  | 'unreachable'
  /** No answer (or no whole body) in time. */
  | 'timeout'
  /** 5xx. */
  | 'server-error'
  /** 3xx: bffkit never follows a redirect with credentials. */
  | 'redirect'
  /** 404 on the configured path. */
  | 'not-found'
  /** 405 on the configured path. */
  | 'method-not-allowed'
  /** 429: the backend's own rate limit. */
  | 'rate-limited'
  /** 403 with an origin code (a Fetch Metadata / CSRF check such as better-auth's). */
  | 'origin-refused'
  /** Another 403 on login. */
  | 'forbidden'
  /** 400, 422 and other 4xx: the request's shape was refused. */
  | 'refused-request'
  /** 401/403 for a token on the user or logout endpoint. */
  | 'token-refused'
  /** A user endpoint answered 200 without a user (`null`, `{ user: null }`): it did not accept the token. */
  | 'signed-out'
  /** 2xx with a body that is not a JSON object. */
  | 'unparseable'
  /** 2xx without a value at a configured field path. */
  | 'missing-field'
  /** The user answer could not be mapped to a display user. */
  | 'user-unmappable'
  /** The adapter reported a failure without details, or threw. */
  | 'adapter-error';

/** One backend failure, described for the server log and `bffkit check-backend`. */
export interface BackendDiagnostic {
  step: BackendStep;
  kind: DiagnosticKind;
  /** The configured method and path, e.g. `POST /auth/login` (never a query value or a token). */
  request?: string;
  /** The backend's HTTP status, when it answered. */
  status?: number;
  /** What happened, e.g. `POST /auth/login answered 404`. */
  problem: string;
  /** How to fix it. */
  hint: string;
  /** `info` for failures a user can cause too (a malformed e-mail address); `warn` otherwise. @default 'warn' */
  level?: 'info' | 'warn';
}

/**
 * The log line of a diagnostic.
 *
 * @example
 * formatDiagnostic(d); // 'backend login failed (not-found): POST /auth/login answered 404. Hint: check …'
 */
export function formatDiagnostic(d: BackendDiagnostic): string {
  return `backend ${d.step} failed (${d.kind}): ${d.problem}. Hint: ${d.hint}`;
}

interface Spell {
  lastSeen: number;
  repeats: number;
}

/**
 * Logs each diagnostic once per spell: the first failure of a step and kind is logged; the same
 * kind again is only counted until the step succeeds or the kind has been quiet for `quietPeriod`
 * seconds, so an outage prints one line, not one per request. The next line says how many were
 * held back. Per configuration (it lives on the context), bounded by steps × kinds.
 *
 * @example
 * const log = new DiagnosticLog(config.logger, config.clock);
 * if (!result.ok && result.diagnostic) log.report(result.diagnostic);
 */
export class DiagnosticLog {
  private readonly spells = new Map<string, Spell>();

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly quietPeriod: number = FIVE_MINUTES,
  ) {}

  /** Logs `d` unless its spell already was; answers whether a line was written. */
  report(d: BackendDiagnostic): boolean {
    const key = `${d.step}:${d.kind}`;
    const now = this.clock();
    const spell = this.spells.get(key);
    if (spell && now - spell.lastSeen < this.quietPeriod) {
      spell.lastSeen = now;
      spell.repeats += 1;
      return false;
    }
    const held = spell && spell.repeats > 0 ? ` (${spell.repeats} more like it since the last report)` : '';
    const line = formatDiagnostic(d) + held;
    if (d.level === 'info') this.logger.info(line);
    else this.logger.warn(line);
    this.spells.set(key, { lastSeen: now, repeats: 0 });
    return true;
  }

  /** The step worked: its spells are over (the next failure is logged again). */
  succeeded(step: BackendStep): void {
    for (const key of this.spells.keys()) if (key.startsWith(`${step}:`)) this.spells.delete(key);
  }
}

/**
 * A short error code from a backend's error body (`code` or `error`), if it is clearly not a token.
 *
 * @example
 * safeCode('MISSING_OR_NULL_ORIGIN'); // 'MISSING_OR_NULL_ORIGIN'
 * safeCode('zkIMHqaCPcEfeZdO8g4R');   // undefined
 */
export function safeCode(value: unknown): string | undefined {
  // Letters first, then letter/digit groups joined by _ . : -  (invalid_grant, MISSING_OR_NULL_ORIGIN,
  // token_not_valid). A token (digits in its first group, or one long run) never matches.
  return typeof value === 'string' && value.length <= 48 && /^[A-Za-z]{1,24}(?:[_.:-][A-Za-z0-9]{1,24})*$/.test(value) ? value : undefined;
}

/**
 * Up to 10 key names of an object that look like field names (for "answer keys: …").
 *
 * @example
 * safeKeys({ data: {}, 'x y': 1 }); // ['data']
 */
export function safeKeys(value: unknown): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.keys(value)
    .filter((k) => /^[A-Za-z_$][A-Za-z0-9_$-]{0,39}$/.test(k))
    .slice(0, 10);
}

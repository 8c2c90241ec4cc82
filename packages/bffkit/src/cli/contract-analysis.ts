/**
 * What check-backend reads out of the recorded answers: the expiry and its unit, token paths worth
 * suggesting, and the short descriptions of exchanges and tokens the report rows use. Field names,
 * statuses and durations only, never a value.
 */
import type { ResolvedCredentials } from '../core/backends/credentials-types';
import { EXPIRY_KEY, findPaths, readPath } from '../core/backends/field-path';
import { jwtExpiry } from '../core/backends/jwt-claims';
import type { TokenSet } from '../core/types';
import type { CheckReport } from './contract';
import type { Exchange, Recorder } from './recorder';

/**
 * Adds an expiry row and fix when the configured expiry is missing from the answer or implausible.
 *
 * @example
 * checkExpiry(report, tokens, adapter.options, recorder.last('/auth/login')?.json);
 */
export function checkExpiry(report: CheckReport, t: TokenSet, o: ResolvedCredentials | undefined, json: unknown) {
  const rule = o?.tokens.expiry;
  const fromJwt = jwtExpiry(t.accessToken);
  const lifetime = t.expiresAt - t.issuedAt;
  if (rule && rule !== 'jwt' && 'path' in rule && readPath(json, rule.path) === undefined && fromJwt === undefined) {
    const candidates = findPaths(json, (k) => EXPIRY_KEY.test(k));
    const guess = candidates.map((path) => ({ path, unit: guessUnit(readPath(json, path), t.issuedAt) })).find((c) => c.unit);
    if (guess) report.fixes.push({ option: 'tokens.expiry', value: guess, why: `the answer has no \`${rule.path}\`; \`${guess.path}\` looks like the expiry` });
    report.rows.push({ step: 'expiry', backend: `no \`${rule.path}\` in the answer and no JWT exp`, bffkit: `assumes ${lifetime} s`, verdict: guess ? 'warn' : 'note' });
  } else if (lifetime > 366 * 86400 || lifetime <= 0) {
    report.rows.push({ step: 'expiry', backend: `the declared expiry gives ${lifetime} s`, bffkit: 'would refresh at the wrong time: the unit is probably wrong', verdict: 'fail' });
    if (rule && rule !== 'jwt' && 'path' in rule) {
      const unit = guessUnit(readPath(json, rule.path), t.issuedAt);
      if (unit) report.fixes.push({ option: 'tokens.expiry', value: { path: rule.path, unit }, why: 'the value fits this unit' });
    }
  }
}

/** The unit that makes `value` a plausible expiry (a minute to 30 days ahead). */
function guessUnit(value: unknown, now: number): string | undefined {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof value === 'string' && Number.isFinite(Date.parse(value)) && !/^\d+$/.test(value)) return 'iso';
  if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
  const ok = (s: number) => s - now >= 60 && s - now <= 30 * 86400;
  if (ok(now + n)) return 'seconds';
  if (ok(n)) return 'epoch-seconds';
  if (ok(Math.floor(n / 1000))) return 'epoch-ms';
  if (ok(now + Math.floor(n / 1000))) return 'milliseconds';
  return undefined;
}

/**
 * After a failed login: the token and expiry paths the recorded answer suggests.
 *
 * @example
 * suggestFromRecorder(report, recorder, adapter.options, 'login');
 */
export function suggestFromRecorder(report: CheckReport, recorder: Recorder | undefined, o: ResolvedCredentials | undefined, step: string) {
  if (!recorder || !o || step !== 'login') return;
  const answer = recorder.last(o.login.path);
  if (!answer || answer.status < 200 || answer.status >= 300) return;
  const access = findPaths(answer.json, (k, v) => /^(access_?token|accessToken|token|access|jwt)$/i.test(k) && typeof v === 'string')[0];
  if (access && access !== o.tokens.access) report.fixes.push({ option: 'tokens.access', value: access, why: 'the access token is there' });
  const refresh = findPaths(answer.json, (k, v) => /^(refresh_?token|refreshToken|refresh)$/i.test(k) && typeof v === 'string')[0];
  if (refresh && o.tokens.refresh !== false && refresh !== o.tokens.refresh) report.fixes.push({ option: 'tokens.refresh', value: refresh, why: 'the refresh token is there' });
  const now = Math.floor(Date.now() / 1000);
  const expiry = findPaths(answer.json, (k) => EXPIRY_KEY.test(k))
    .map((path) => ({ path, unit: guessUnit(readPath(answer.json, path), now) }))
    .find((c) => c.unit);
  const current = o.tokens.expiry;
  if (expiry && !(current !== 'jwt' && 'path' in current && current.path === expiry.path && current.unit === expiry.unit)) {
    report.fixes.push({ option: 'tokens.expiry', value: expiry, why: `\`${expiry.path}\` looks like the expiry (${expiry.unit})` });
  }
}

/**
 * One exchange in a few words.
 *
 * @example
 * exchange(recorder.last('/auth/login')); // 'POST /auth/login → 200 { access_token, refresh_token }'
 */
export function exchange(e: Exchange | undefined): string {
  if (!e) return 'answered';
  const keys = e.json && typeof e.json === 'object' && !Array.isArray(e.json) ? Object.keys(e.json).slice(0, 8) : [];
  return `${e.method} ${e.path} → ${e.status}${keys.length ? ` { ${keys.join(', ')} }` : e.json === null ? ' null' : ''}`;
}

/**
 * The tokens in a few words.
 *
 * @example
 * describeTokens(tokens, o); // 'a JWT access token, a refresh token, expires in 300 s (JWT exp)'
 */
export function describeTokens(t: TokenSet, o: ResolvedCredentials | undefined): string {
  const jwt = jwtExpiry(t.accessToken) !== undefined;
  const refresh = o?.refresh.mode === 'access-token' ? 'no refresh token' : t.refreshToken ? 'a refresh token' : 'no refresh token';
  return `${jwt ? 'a JWT' : 'an opaque'} access token, ${refresh}, expires in ${t.expiresAt - t.issuedAt} s${o ? ` (${expirySource(o)})` : ''}`;
}

function expirySource(o: ResolvedCredentials): string {
  const e = o.tokens.expiry;
  if (e === 'jwt') return 'JWT exp';
  if ('lifetime' in e) return 'configured lifetime';
  return `${e.path}, ${e.unit}`;
}

/**
 * Seconds before expiry at which bffkit refreshes (the default skew, capped at half the lifetime).
 *
 * @example
 * refreshLead({ ...tokens, issuedAt: 0, expiresAt: 300 }); // 30
 */
export function refreshLead(t: TokenSet): number {
  return Math.max(0, Math.min(30, Math.floor((t.expiresAt - t.issuedAt) / 2)));
}

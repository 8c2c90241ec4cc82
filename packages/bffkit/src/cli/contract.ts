/**
 * The backend adapter contract, run against a live backend with a test account: what the backend
 * does at each step, what bffkit will do with it, and a fix for what does not fit. Three sign-ins
 * in all (better-auth allows 3 per 10 s), one of them with a wrong password (Payload locks after 5).
 * Never a token or password in the result: only statuses, paths, field names and durations.
 */
import type { BackendAdapter, BackendResult, LoginForm } from '../core/backends/adapter';
import type { CredentialsBackend } from '../core/backends/credentials';
import type { ResolvedCredentials } from '../core/backends/credentials-types';
import type { TokenSet } from '../core/types';
import { checkExpiry, describeTokens, exchange, refreshLead, suggestFromRecorder } from './contract-analysis';
import type { Recorder } from './recorder';

/** How one step went. */
export type Verdict = 'ok' | 'note' | 'warn' | 'fail';

/** One row of the report. */
export interface CheckRow {
  step: string;
  backend: string;
  bffkit: string;
  verdict: Verdict;
}

/** A configuration change that would fix (or fit) what was seen. */
export interface CheckFix {
  /** Dotted option path, e.g. `tokens.access`. */
  option: string;
  value: unknown;
  why: string;
}

/** The whole report. */
export interface CheckReport {
  rows: CheckRow[];
  fixes: CheckFix[];
  /** Hints that are not a single option value. */
  hints: string[];
}

/** The test account, as browser fields (the names `loginForm` asks for). */
export interface TestAccount {
  fields: Record<string, string>;
  /** The name of the password field among `fields`. */
  passwordField: string;
}

const DEFAULT_FORM: LoginForm = { fields: ['email', 'password'], identity: 'email' };

/**
 * The login form the adapter asks for, and which field is the password.
 *
 * @example
 * const { form, passwordField } = loginFormOf(adapter);
 */
export function loginFormOf(adapter: BackendAdapter): { form: LoginForm; passwordField: string } {
  const form = adapter.loginForm ?? DEFAULT_FORM;
  const passwordField = form.fields.find((f) => /pass/i.test(f)) ?? form.fields.find((f) => f !== form.identity) ?? 'password';
  return { form, passwordField };
}

/**
 * Runs the contract: login, user, refresh, rotation, two concurrent refreshes, reuse of the old
 * refresh token, logout and reuse of the revoked token, a wrong password.
 *
 * @example
 * const report = await runContract(adapter, { fields: { email, password }, passwordField: 'password' }, recorder);
 */
export async function runContract(adapter: BackendAdapter, account: TestAccount, recorder?: Recorder): Promise<CheckReport> {
  const report: CheckReport = { rows: [], fixes: [], hints: [] };
  const o = adapter.kind === 'credentials' ? (adapter as CredentialsBackend).options : undefined;
  const row = (step: string, backend: string, bffkit: string, verdict: Verdict) => report.rows.push({ step, backend, bffkit, verdict });
  const failed = (step: string, r: BackendResult<unknown>, bffkit: string) => {
    if (r.ok) return;
    const d = r.diagnostic;
    row(step, d ? d.problem : `the adapter answered ${r.reason}`, bffkit, 'fail');
    if (d) report.hints.push(`${step}: ${d.hint}`);
    suggestFromRecorder(report, recorder, o, step);
  };
  if (!adapter.login) {
    row('login', 'the adapter has no credential login (a redirect-based adapter?)', 'check-backend needs login()', 'fail');
    return report;
  }
  const signIn = (password?: string) =>
    adapter.login!(password === undefined ? account.fields : { ...account.fields, [account.passwordField]: password });

  // 1. login
  const first = await signIn();
  if (!first.ok) {
    failed('login', first, first.reason === 'rejected' ? 'answers 401 login_failed' : 'answers 502/504 (upstream_unavailable / upstream_timeout)');
    if (first.reason === 'rejected' && !first.diagnostic) report.hints.push('login: check the test account (--user / BFFKIT_CHECK_PASSWORD) and login.fields');
    return report;
  }
  const t1 = first.value;
  const answer = recorder?.last(o?.login.path ?? '');
  const renews = t1.refreshToken && o?.refresh.mode !== 'none';
  row('login', `${exchange(answer)}; ${describeTokens(t1, o)}`, renews ? `starts a session; refreshes ${refreshLead(t1)} s before the access token expires` : 'starts a session; uses the token until it is due or refused', 'ok');
  checkExpiry(report, t1, o, answer?.json);

  // 2. user
  const user = await adapter.user(t1);
  if (!user.ok) failed('user', user, 'refuses the login (401 login_failed) and revokes the new tokens');
  else {
    const via = o?.user.from === 'claims' || o?.user.path === false ? "the access token's claims" : o?.user.from === 'login' ? 'the login answer' : exchange(recorder?.last(String(o?.user.path ?? '')));
    const others = Object.keys(user.value).filter((k) => k !== 'id');
    row('user', `${via}: a user with an id${others.length ? `, ${others.join(', ')}` : ''}`, `keeps { ${Object.keys(user.value).join(', ')} } as the display user`, 'ok');
  }

  // 3-5. refresh, concurrency, reuse
  const mode = o?.refresh.mode;
  if (mode === 'none' || !t1.refreshToken) {
    row('refresh', 'no refresh (one long-lived session token)', `ends the session when the token is due (${Math.round((t1.expiresAt - t1.issuedAt) / 86400 * 10) / 10} d) or the backend refuses it`, 'note');
  } else await refreshChecks(adapter, t1, o, report, row, failed, recorder);

  // 6. logout, then the revoked token
  const second = await signIn();
  if (!second.ok) failed('logout', second, 'could not sign in a second time to test logout');
  else await logoutChecks(adapter, second.value, o, report, row, recorder);

  // 7. wrong password
  const wrong = await signIn(`${account.fields[account.passwordField]}-wrong-${Date.now().toString(36)}`);
  if (wrong.ok) row('wrong password', 'accepted a wrong password', '-', 'fail');
  else if (wrong.reason === 'rejected') row('wrong password', wrong.diagnostic ? wrong.diagnostic.problem : `${exchange(recorder?.last(o?.login.path ?? ''))}: refused`, 'answers 401 login_failed (same answer as an unknown account)', 'ok');
  else failed('wrong password', wrong, 'answers 502/504, not 401');
  return report;
}

type Row = (step: string, backend: string, bffkit: string, verdict: Verdict) => void;
type Failed = (step: string, r: BackendResult<unknown>, bffkit: string) => void;

/** The status of a refused call: its diagnostic's, else the recorded exchange's, else the reason. */
function statusOf(r: BackendResult<unknown>, recorder: Recorder | undefined, path: string | false | undefined, back = 1): string {
  if (r.ok) return '200';
  if (r.diagnostic?.status) return String(r.diagnostic.status);
  const e = path && recorder ? recorder.exchanges.filter((x) => x.path.endsWith(path)).at(-back) : undefined;
  return e ? String(e.status) : r.reason;
}

async function refreshChecks(
  adapter: BackendAdapter, t1: TokenSet, o: ResolvedCredentials | undefined, report: CheckReport, row: Row, failed: Failed, recorder?: Recorder,
) {
  const path = o?.refresh.path;
  const byAccess = o?.refresh.mode === 'access-token';
  const r1 = await adapter.refresh(t1.refreshToken!);
  if (!r1.ok) return failed('refresh', r1, r1.reason === 'rejected' ? 'ends the session (401 session_expired)' : 'keeps the session, answers 502/504');
  const t2 = r1.value;
  const rotated = !byAccess && t2.refreshToken !== t1.refreshToken;
  row(
    'refresh',
    `${byAccess ? 'the current access token buys a new one' : 'new access token'}; ${byAccess ? 'no refresh token' : rotated ? 'refresh token rotated' : 'same refresh token (no rotation)'}; expires in ${t2.expiresAt - t2.issuedAt} s`,
    rotated ? 'keeps the new refresh token' : byAccess ? 'refreshes before expiry (an expired token cannot be refreshed)' : 'keeps using the refresh token it has',
    'ok',
  );
  if (o && o.refresh.rotates === true && !rotated) report.fixes.push({ option: 'refresh.rotates', value: false, why: 'the backend does not rotate' });

  const [a, b] = await Promise.all([adapter.refresh(t2.refreshToken!), adapter.refresh(t2.refreshToken!)]);
  const both = a.ok && b.ok;
  // Which exchange answered which call is unknown; the two statuses are what matters.
  const seen = path && recorder ? recorder.exchanges.filter((x) => x.path.endsWith(path)).slice(-2).map((x) => String(x.status)) : [];
  const statuses = (seen.length === 2 ? seen : [statusOf(a, undefined, undefined), statusOf(b, undefined, undefined)]).sort();
  row(
    'concurrent refresh',
    `two refreshes with one token: ${statuses.join(' and ')}${both && rotated ? ' (two live refresh tokens)' : ''}`,
    'sends one refresh per session at a time (single flight, across instances with a shared coordinator)',
    both || a.ok || b.ok ? 'ok' : 'note',
  );

  const reuse = await adapter.refresh(t1.refreshToken!);
  const outcome = (r: BackendResult<TokenSet>) => statusOf(r, recorder, path);
  if (byAccess || !rotated) {
    row('old token reused', reuse.ok ? 'the first token still refreshes (no rotation)' : `the first token is refused (${outcome(reuse)})`, 'nothing to do: nothing is rotated out', 'note');
  } else if (reuse.ok) {
    row('old token reused', 'a rotated-out refresh token still refreshes: rotation does not revoke', 'never presents a rotated-out token (successor record); the backend is weaker than it looks', 'warn');
  } else {
    row('old token reused', `a rotated-out refresh token is refused (${outcome(reuse)})`, 'never presents a rotated-out token (the successor record hands late requests the new pair)', 'ok');
  }
}

async function logoutChecks(adapter: BackendAdapter, t: TokenSet, o: ResolvedCredentials | undefined, report: CheckReport, row: Row, recorder?: Recorder) {
  if (!adapter.revoke) return row('logout', 'the adapter cannot revoke', 'ends the session locally only', 'warn');
  const revoked = await adapter.revoke(t);
  if (revoked && !revoked.ok) {
    row('logout', revoked.diagnostic?.problem ?? `revocation ${revoked.reason}`, 'ends the session locally, logs the failure, answers revocation: failed', 'fail');
    if (revoked.diagnostic) report.hints.push(`logout: ${revoked.diagnostic.hint}`);
    return;
  }
  if (revoked?.ok && revoked.value === 'not-needed') {
    return row('logout', "nothing sent: no logout path, logout.mode 'none', or no live token left to send", 'ends the session locally only; the backend tokens live until they expire', 'warn');
  }
  const sent = recorder && o?.logout.path ? recorder.last(o.logout.path.split('?')[0]!) : undefined;
  row('logout', sent ? `${exchange(sent)} (${o!.logout.mode === 'both' ? 'refresh token in the body, access token as ' + o!.authScheme : o!.logout.mode === 'body' ? 'refresh token in the body' : 'access token as ' + o!.authScheme})` : 'revoke() answered revoked', 'revokes at logout, then clears the cookie', 'ok');
  // The revoked credential, reused: it must be refused by the backend itself.
  if (t.refreshToken && o?.refresh.mode !== 'none') {
    const again = await adapter.refresh(t.refreshToken);
    const what = o?.refresh.mode === 'access-token' ? 'the logged-out token' : 'the revoked refresh token';
    if (again.ok) {
      row('after logout', `${what} still refreshes: logout did not revoke it`, 'cannot revoke: check logout.mode and logout.path', 'fail');
      report.hints.push("after logout: the refresh token must go where the backend revokes it (logout.mode 'body' or 'both', logout.field)");
    } else row('after logout', `${what} is refused (${statusOf(again, recorder, o?.refresh.path)})`, 'nothing live is left behind', 'ok');
  }
  const canAskUser = o ? o.user.from !== 'claims' && o.user.path !== false : adapter.userVerifiesToken === true;
  if (canAskUser) {
    const user = await adapter.user(t);
    if (user.ok) {
      const sessionToken = !t.refreshToken || o?.refresh.mode === 'access-token';
      row('access after logout', 'the access token still works until it expires (a stateless JWT)', sessionToken ? 'cannot revoke it' : 'keep the access token lifetime short', sessionToken ? 'fail' : 'note');
    } else row('access after logout', `the session token is refused (${user.diagnostic?.kind ?? user.reason})`, 'nothing live is left behind', 'ok');
  }
}

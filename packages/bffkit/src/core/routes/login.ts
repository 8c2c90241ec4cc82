import type { LoginForm } from '../backends/adapter';
import { transientError } from '../backends/failure';
import type { BffContext, RouteAction } from '../context';
import { BffError } from '../errors';
import { clientAddress } from '../http/client-ip';
import { json, seeOther, toErrorResponse, withCookies } from '../http/response';
import { isSafeReturnTo, safeReturnTo } from '../http/return-to';
import { toClientSession } from '../session/client-view';
import { startSession } from '../session/start';
import { attemptLimit } from './attempt-limit';
import { readRequestBody } from './body';

const MAX_FIELD = 1024;
// One message and status for every failure reason (docs/security.md 27): no account enumeration, and
// the backend's own message is never relayed.
const LOGIN_FAILED = 'Invalid email or password.';
/** What the login route asks of the browser when the adapter does not say. */
const DEFAULT_LOGIN_FORM: LoginForm = { fields: ['email', 'password'], identity: 'email' };

/**
 * `POST {basePath}/login`: forwards the credentials to the backend, keeps the tokens in a fresh
 * session cookie and answers the display user (JSON), or 303s (the no-JavaScript form path).
 */
export const loginAction: RouteAction = async (ctx, request) => {
  const body = await readRequestBody(ctx, request);
  if (!body.ok) return body.response;
  const { mode, fields } = body;
  const returnTo = safeReturnTo(fields.returnTo, ctx.config.defaultReturnTo);
  try {
    const backend = ctx.config.backend;
    const form = backend.loginForm ?? DEFAULT_LOGIN_FORM;
    const values: Record<string, string> = {};
    for (const name of form.fields) {
      const value = field(fields[name]);
      if (!value) throw new BffError('invalid_request', `${sentence(form.fields)} are required.`);
      values[name] = value;
    }
    // Counted per the identity the backend checks (the adapter sends exactly this value under the
    // backend's field name, and nothing it was not told to): another value in a field the backend
    // ignores cannot open a fresh count (docs/security.md 28).
    const identity = values[form.identity];
    if (identity === undefined) throw new TypeError('bffkit: backend.loginForm.identity must be one of loginForm.fields');
    const limit = attemptLimit(ctx.config, request, 'login', identity);
    const reserved = await limit.reserve();
    if (!reserved.ok) throw reserved.error;

    if (!backend.login) throw new BffError('not_found', 'This backend does not support credential login.');
    const address = clientAddress(request, { trustProxy: ctx.config.trustProxy });
    const tokens = await ctx.telemetry.backend('login', () => backend.login!({ ...fields, ...values }, address === 'unknown' ? {} : { clientIp: address }));
    if (!tokens.ok) {
      if (tokens.reason !== 'rejected') throw transientError(tokens.reason);
      throw new BffError('login_failed', LOGIN_FAILED);
    }
    const user = await ctx.telemetry.backend('user', () => backend.user(tokens.value));
    if (!user.ok) {
      // The tokens were issued but cannot be used: revoke them rather than leave them live.
      await backend.revoke?.(tokens.value).catch(() => undefined);
      throw user.reason === 'rejected' ? new BffError('login_failed', LOGIN_FAILED) : transientError(user.reason);
    }
    await limit.succeeded();

    // The user has just proven their password here: that is the session's authentication level.
    const auth = { amr: ['pwd'], authTime: ctx.config.clock() };
    const { session, cookies } = await startSession(ctx, request, user.value, tokens.value, { auth });
    ctx.telemetry.event('login.succeeded', { method: 'credentials' }, session);
    if (mode === 'form') return seeOther(ctx.config.appUrl, returnTo, cookies);
    return withCookies(json({ ...toClientSession(session, ctx.config), redirectTo: returnTo }), cookies);
  } catch (error) {
    ctx.telemetry.loginFailed('credentials', error);
    if (mode === 'form') return formFailure(ctx, error, fields.returnTo);
    return toErrorResponse(error);
  }
};

function formFailure(ctx: BffContext, error: unknown, rawReturnTo: unknown): Response {
  const code = error instanceof BffError ? error.code : 'internal_error';
  const params = new URLSearchParams({ error: code });
  // Only a safe returnTo the user actually gave is carried back (safeReturnTo's fallback is never empty).
  if (isSafeReturnTo(rawReturnTo)) params.set('returnTo', safeReturnTo(rawReturnTo));
  const res = seeOther(ctx.config.appUrl, `${ctx.config.loginPage}?${params}`);
  if (error instanceof BffError) for (const [k, v] of Object.entries(error.headers)) res.headers.set(k, v);
  return res;
}

/** ['email', 'password'] → 'Email and password'. */
function sentence(names: readonly string[]): string {
  const text = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names.join('');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function field(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_FIELD ? value : null;
}

import type { BffContext } from '../context';
import { safeReturnTo } from '../http/return-to';
import { toClientSession } from '../session/client-view';
import type { ClientSession } from '../types';
import { authSatisfies, checkRequirement, type AuthRequirement } from './level';
import { stepUpLocation } from './location';

/** The outcome of {@link checkAuth}. */
export type AuthCheck =
  | { ok: true; session: Extract<ClientSession, { status: 'authenticated' }> }
  /** `location` is an app path: the login page (no session) or a step-up sign-in (too weak, too old). */
  | { ok: false; reason: 'unauthenticated' | 'step_up_required'; location: string };

/**
 * Whether the session in `cookieHeader` meets `requirement` (an `acr` level, a `maxAge` since the
 * sign-in). The level is the session's own record, set at sign-in from verified sources only (a
 * signed ID token; the login route): nothing the browser sends can raise it, and a level that was
 * never recorded fails. Never refreshes and never writes a cookie (safe in Server Components).
 *
 * @example
 * const check = await checkAuth(ctx, cookieHeader, { acr: 'urn:bffkit:acr:mfa', maxAge: 300 }, '/payments');
 */
export async function checkAuth(ctx: BffContext, cookieHeader: string | null, requirement: AuthRequirement, returnTo: unknown): Promise<AuthCheck> {
  const { config } = ctx;
  const need = checkRequirement(requirement);
  const back = safeReturnTo(returnTo, config.defaultReturnTo);
  const now = config.clock();
  const read = await ctx.cookie.read(cookieHeader, now);
  const session = toClientSession(read.session, config);
  if (session.status !== 'authenticated' || !read.session) {
    return { ok: false, reason: 'unauthenticated', location: `${config.loginPage}?${new URLSearchParams({ returnTo: back })}` };
  }
  if (authSatisfies(read.session.auth, requirement, now)) return { ok: true, session };
  return { ok: false, reason: 'step_up_required', location: stepUpLocation(config, need, back) };
}

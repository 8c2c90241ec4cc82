import type { RouteAction } from '../context';
import { handoffAction } from './handoff';
import { loginAction } from './login';
import { logoutAction } from './logout';
import { sessionAction } from './session';

/**
 * The auth routes, as a dispatch table: action name → method → handler. Adding a route is one line.
 * Nothing here changes state on GET (SECURITY.md 15).
 */
export const AUTH_ROUTES: Readonly<Record<string, Readonly<Record<string, RouteAction>>>> = {
  login: { POST: loginAction },
  logout: { POST: logoutAction },
  handoff: { POST: handoffAction },
  session: { GET: sessionAction },
};

import type { RouteAction } from '../context';
import { OIDC_ROUTES } from './oidc/paths';
import { backchannelLogoutAction } from './oidc/backchannel-logout';
import { diagnosticsAction } from '../observability/diagnostics';
import { handoffAction } from './handoff';
import { loginAction } from './login';
import { logoutAction } from './logout';
import { oidcCallbackAction } from './oidc/callback';
import { oidcJwksAction } from './oidc/jwks';
import { oidcLoginAction } from './oidc/login';
import { sessionAction, sessionRenewAction } from './session';

/**
 * The auth routes, as a dispatch table: action name → method → handler. Adding a route is one line.
 * Nothing here changes state on GET (docs/security.md 15), except the OpenID Connect callback, which
 * cannot be anything but a GET and is bound to the browser's transaction cookie.
 */
export const AUTH_ROUTES: Readonly<Record<string, Readonly<Record<string, RouteAction>>>> = {
  login: { POST: loginAction },
  logout: { POST: logoutAction },
  handoff: { POST: handoffAction },
  // POST: the browser's one-at-a-time renewal (anti-forgery header), docs/multi-instance.md.
  session: { GET: sessionAction, POST: sessionRenewAction },
  diagnostics: { GET: diagnosticsAction },
  // OpenID Connect (404 unless the backend adapter supports redirect sign-in). The callback is the one
  // GET that creates a session: it needs this browser's transaction cookie and the provider's code.
  [OIDC_ROUTES.login]: { GET: oidcLoginAction, POST: oidcLoginAction },
  [OIDC_ROUTES.callback]: { GET: oidcCallbackAction },
  [OIDC_ROUTES.backchannelLogout]: { POST: backchannelLogoutAction },
  [OIDC_ROUTES.jwks]: { GET: oidcJwksAction },
};

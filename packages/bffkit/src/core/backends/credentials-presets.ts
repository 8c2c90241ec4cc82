/**
 * Ready-made configurations of {@link credentialsBackend} for common backends, each tested against
 * the real backend (docs/backends/). Any field of the options overrides its preset's.
 */
import { SEVEN_DAYS } from '../time';
import type { CredentialsPresetName, CredentialsSections } from './credentials-types';

/**
 * The presets, by name. Paths are relative to the backend `url` (which may carry a base path).
 * Every preset takes the browser's `email` and `password` fields (what `bffkit/react`'s `signIn`
 * sends) and maps them to the backend's names.
 */
export const CREDENTIALS_PRESETS: Readonly<Record<CredentialsPresetName, Readonly<CredentialsSections>>> = {
  /** OAuth 2 style JSON API (the example backend; also FastAPI, Laravel Passport, many Express APIs). */
  oauth2: {
    login: { path: '/auth/login', fields: { email: 'email', password: 'password' }, identity: 'email', encoding: 'json' },
    tokens: { access: 'access_token', refresh: 'refresh_token', expiry: { path: 'expires_in', unit: 'seconds' } },
    refresh: { mode: 'body', path: '/auth/refresh', field: 'refresh_token' },
    logout: { mode: 'both', path: '/auth/logout', requiresLiveToken: false },
    user: { from: 'endpoint', path: '/auth/me' },
    authScheme: 'Bearer',
    rejectedStatuses: [401],
  },
  /** Django REST framework + djangorestframework-simplejwt with the token blacklist (docs/backends/django-simplejwt.md). */
  simplejwt: {
    login: { path: '/api/token/', fields: { username: 'email', password: 'password' }, identity: 'username', encoding: 'json' },
    tokens: { access: 'access', refresh: 'refresh', expiry: 'jwt' },
    refresh: { mode: 'body', path: '/api/token/refresh/', field: 'refresh' },
    // The token views ignore Authorization: the refresh token in the body is what is revoked.
    logout: { mode: 'body', path: '/api/token/blacklist/', requiresLiveToken: false },
    // simplejwt has no user endpoint: the display user is the token's `user_id` claim unless user.path is set.
    user: { from: 'claims', path: false },
    authScheme: 'Bearer',
    rejectedStatuses: [401],
  },
  /** better-auth with the bearer() plugin (docs/backends/better-auth.md). */
  betterAuth: {
    login: { path: '/api/auth/sign-in/email', fields: { email: 'email', password: 'password' }, identity: 'email', encoding: 'json' },
    // One opaque session token, no refresh token, no expiry in the answer: a 7-day session extended by use.
    tokens: { access: 'token', refresh: false, expiry: { lifetime: SEVEN_DAYS } },
    refresh: { mode: 'none', path: false, field: 'refresh_token' },
    logout: { mode: 'bearer', path: '/api/auth/sign-out', requiresLiveToken: false },
    // get-session answers 200 `null` for a token it does not accept: read as signed out.
    user: { from: 'endpoint', path: '/api/auth/get-session', field: 'user' },
    authScheme: 'Bearer',
    rejectedStatuses: [401],
    // Its Fetch Metadata check refuses a server-side sign-in without a trusted Origin.
    origin: true,
    clientIpHeader: 'x-forwarded-for',
  },
  /** Payload CMS 3, the `users` auth collection (docs/backends/payload.md). */
  payload: {
    login: { path: '/api/users/login', fields: { email: 'email', password: 'password' }, identity: 'email', encoding: 'json' },
    tokens: { access: 'token', refresh: false, expiry: { path: 'exp', unit: 'epoch-seconds' } },
    // No refresh token: the current, unexpired token buys a new one (no rotation).
    refresh: { mode: 'access-token', path: '/api/users/refresh-token', field: 'refresh_token', tokens: { access: 'refreshedToken' } },
    // Logout ends the whole backend session and needs a live token.
    logout: { mode: 'bearer', path: '/api/users/logout', requiresLiveToken: true },
    // `me` answers 200 { user: null } for a token it does not accept: read as signed out.
    user: { from: 'endpoint', path: '/api/users/me', field: 'user' },
    authScheme: 'Bearer',
    // Its resources answer 403, not 401, for an expired or revoked token.
    rejectedStatuses: [401, 403],
  },
};

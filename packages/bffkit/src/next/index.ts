// Server-only: this entry reads cookies and holds the code that attaches tokens. The `server-only`
// import makes any attempt to bundle it for the browser fail the build.
import 'server-only';

export { createBffNext } from './create';
export type { BffNext, FetchBackendInit } from './create';
export type { SessionActions } from './sessions';
export type { ActiveSession } from '../core/session/manage';
export { credentialsBackend, TOKEN_FIELDS } from '../core/backends/credentials';
export { oidcBackend } from '../core/backends/oidc/adapter';
export type { OidcBackendOptions } from '../core/backends/oidc/options';
export type { BffOptions } from '../core/config';
export type { ClientSession, SessionUser } from '../core/types';

// Server-only: this entry reads cookies and holds the code that attaches tokens. The `server-only`
// import makes any attempt to bundle it for the browser fail the build.
import 'server-only';

export { createBffNext } from './create';
export type { BffNext, FetchBackendInit } from './create';
export type { SessionActions } from './sessions';
export type { CallErrorCode, CallResult } from './call-backend';
export type { CachedUser, UserCache } from './user-cache';

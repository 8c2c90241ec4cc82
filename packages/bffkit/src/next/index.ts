// Server-only: this entry reads cookies and holds the code that attaches tokens. The `server-only`
// import makes any attempt to bundle it for the browser fail the build.
import 'server-only';

export { createBffNext } from './create';
export type { BffNext, FetchBackendInit, RequireAuthOptions } from './create';
export type { SessionActions } from './sessions';
export type { CallErrorCode, CallResult } from './call-backend';
export type { CachedUser, UserCache } from './user-cache';
export type { ProxyRules } from './proxy';

// The custom-adapter contract, also importable here (docs/adapters.md): the same names as in `bffkit`.
export { backendFailure, failureFromError, failureFromStatus } from '../core/backends/classify';
export type { BackendAdapter, BackendResult, LoginContext, LoginCredentials, LoginForm, RevokeOutcome } from '../core/backends/adapter';
export type { BackendFailure, CallFacts } from '../core/backends/classify';
export type { BackendDiagnostic, BackendStep, DiagnosticKind } from '../core/backends/diagnostics';
export type { FailureReason } from '../core/backends/failure';

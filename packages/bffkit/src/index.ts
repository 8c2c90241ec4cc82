/**
 * bffkit: the Backend-for-Frontend for Next.js apps in front of an external API.
 * This entry point is framework-free: the core, the backend adapters, the stores and the types.
 * `bffkit/next` binds it to Next.js, `bffkit/react` is the browser side, `bffkit/redis` the Redis stores.
 */
export { createBff } from './core/bff';
export type { Bff } from './core/bff';
export type { BffOptions } from './core/config';
export type { HandoffOptions, JwtVerifyOptions } from './core/backends/token-verifier';
export { credentialsBackend, TOKEN_FIELDS } from './core/backends/credentials';
export type { CredentialsBackendOptions, TokenFieldMapping } from './core/backends/credentials';
export type { BackendAdapter, BackendResult, LoginCredentials, LoginCompletion, LoginRedirect, LoginTransaction, LogoutTarget } from './core/backends/adapter';
export type { FailureReason } from './core/backends/failure';
export { oidcBackend } from './core/backends/oidc/adapter';
export type { OidcBackend } from './core/backends/oidc/adapter';
export type { OidcBackendOptions } from './core/backends/oidc/options';
export { OIDC_ROUTES } from './core/routes/oidc/paths';
export { BffError, ConfigError, ERROR_STATUS } from './core/errors';
export type { ErrorCode } from './core/errors';
export type { Cookie, CookieAttributes } from './core/http/cookie';
export { memoryRefreshCoordinator } from './core/stores/refresh-coordinator';
export type { RefreshCoordinator } from './core/stores/refresh-coordinator';
export { memoryRateLimitStore } from './core/stores/rate-limit';
export type { RateLimitStore } from './core/stores/rate-limit';
export type { SessionStore } from './core/stores/session-store';
export { memorySessionStore } from './core/stores/memory-session-store';
export type { MemorySessionStoreOptions } from './core/stores/memory-session-store';
export type { LoadedSession } from './core/session/load';
export type { ActiveSession, EndSessionsResult } from './core/session/manage';
export type { ServerFetchResult } from './core/routes/forward';
export { safeReturnTo } from './core/http/return-to';
export type { UpstreamOptions, UpstreamRule } from './core/forward/upstream';
export type { GuardRules, GuardDecision } from './core/routes/page-guard';
export type { ClientSession, SessionUser, SessionData, TokenSet } from './core/types';
export type { BffEvent, BffEventType, BffEventHandler, EventBase, EventOutcome, LoginMethod, LoginFailureReason, SessionEndReason } from './core/observability/events';
export { sessionIdHash } from './core/observability/emitter';
export type { AfterResponse } from './core/observability/event-queue';
export type { OpenTelemetryApi } from './core/observability/otel-api';
export { consoleLogger, silentLogger } from './core/logger';
export type { Logger } from './core/logger';
export { ONE_MINUTE, FIVE_MINUTES, ONE_HOUR, ONE_DAY, SEVEN_DAYS } from './core/time';

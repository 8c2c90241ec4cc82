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
export type { CredentialsBackend, CredentialsBackendOptions, TokenFieldMapping } from './core/backends/credentials';
export { CREDENTIALS_PRESETS } from './core/backends/credentials-presets';
export type {
  CredentialsPresetName,
  CredentialsSections,
  ExpiryRule,
  LogoutRequestMode,
  RefreshRequestMode,
  ResolvedCredentials,
  TokenPaths,
} from './core/backends/credentials-types';
export type { ExpiryUnit } from './core/backends/token-set';
export type {
  BackendAdapter,
  BackendResult,
  LoginContext,
  LoginCredentials,
  LoginCompletion,
  LoginForm,
  LoginRedirect,
  LoginTransaction,
  LogoutTarget,
  RevokeOutcome,
  ClientCredentialsRequest,
  RefreshOptions,
  TokenExchangeRequest,
} from './core/backends/adapter';
export type { FailureReason } from './core/backends/failure';
export { backendFailure, failureFromError, failureFromStatus } from './core/backends/classify';
export type { BackendFailure, CallFacts } from './core/backends/classify';
export { formatDiagnostic } from './core/backends/diagnostics';
export type { BackendDiagnostic, BackendStep, DiagnosticKind } from './core/backends/diagnostics';
export { oidcBackend } from './core/backends/oidc/backend';
export type { OidcBackend } from './core/backends/oidc/backend';
export type { OidcBackendOptions, OidcClientAuth } from './core/backends/oidc/options';
export type { ClientKeyInput, ClientKeyAlg } from './core/backends/oidc/client-keys';
export type { UpstreamTokenPolicy } from './core/credential/policy';
export type { StepUpChallenge, StepUpRule } from './core/step-up/challenge';
export type { StepUpBody } from './core/step-up/response';
export type { AuthRequirement } from './core/step-up/level';
export type { AuthCheck } from './core/step-up/require';
export { OIDC_ROUTES } from './core/routes/oidc/paths';
export { BffError, ConfigError, ERROR_STATUS } from './core/errors';
export type { ErrorCode } from './core/errors';
export type { Cookie, CookieAttributes } from './core/http/cookie';
export { memoryRefreshCoordinator } from './core/stores/memory-refresh-coordinator';
export type { RefreshCoordinator, RefreshLease } from './core/stores/refresh-coordinator';
export { memoryRateLimitStore } from './core/stores/memory-rate-limit-store';
export type { RateLimitStore } from './core/stores/rate-limit-store';
export type { SessionStore } from './core/stores/session-store';
export { memorySessionStore } from './core/stores/memory-session-store';
export type { MemorySessionStoreOptions } from './core/stores/memory-session-store';
export type { LoadedSession } from './core/session/load';
export type { ActiveSession, EndSessionsResult } from './core/session/manage';
export type { ServerFetchResult } from './core/routes/forward';
export { safeReturnTo } from './core/http/return-to';
export type { UpstreamOptions, UpstreamRule } from './core/forward/upstream';
export type { GuardRules, GuardDecision, ProtectedPath } from './core/routes/page-guard';
export type { AuthLevel, ClientSession, DpopKeyPair, SessionUser, SessionData, TokenSet, UpstreamToken } from './core/types';
export type { BffEvent, BffEventType, BffEventHandler, EventBase, EventOutcome, LoginMethod, LoginFailureReason, SessionEndReason } from './core/observability/events';
export { sessionIdHash } from './core/observability/emitter';
export type { AfterResponse } from './core/observability/event-queue';
export type { OpenTelemetryApi } from './core/observability/otel-api';
export { consoleLogger, silentLogger } from './core/logger';
export type { Logger } from './core/logger';
export { ONE_MINUTE, FIVE_MINUTES, ONE_HOUR, ONE_DAY, SEVEN_DAYS } from './core/time';

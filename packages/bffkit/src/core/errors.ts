/**
 * Every error bffkit reports carries a stable string `code`; HTTP responses carry the same code.
 * Messages are written for humans and never contain tokens, secrets or cookie values.
 */

/** The stable error codes and the HTTP status each one answers with. */
export const ERROR_STATUS = {
  invalid_request: 400,
  unsupported_media_type: 415,
  payload_too_large: 413,
  unauthenticated: 401,
  login_failed: 401,
  session_expired: 401,
  token_rejected: 401,
  /** An upstream needs a stronger or more recent sign-in (RFC 9470); the session is kept. */
  step_up_required: 401,
  csrf_failed: 403,
  forbidden_origin: 403,
  path_not_allowed: 404,
  not_found: 404,
  method_not_allowed: 405,
  rate_limited: 429,
  upstream_unavailable: 502,
  store_unavailable: 503,
  upstream_timeout: 504,
  internal_error: 500,
} as const;

/** A stable error code, as sent in the `code` field of every error response. */
export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * Base class of every error bffkit raises on purpose.
 *
 * @example
 * throw new BffError('csrf_failed', 'Missing anti-forgery header.');
 */
export class BffError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra response headers (for example `Retry-After` on `rate_limited`). */
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'BffError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.headers = headers;
  }
}

/**
 * Invalid configuration: thrown once, at construction, naming the offending field.
 *
 * @example
 * throw new ConfigError('secret', 'must be at least 32 characters');
 */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  readonly field: string;
  /** The message without the `bffkit: ` prefix, for a logger that adds its own. */
  readonly detail: string;

  constructor(field: string, problem: string) {
    const detail = `invalid configuration: \`${field}\` ${problem}`;
    super(`bffkit: ${detail}`);
    this.name = 'ConfigError';
    this.field = field;
    this.detail = detail;
  }
}

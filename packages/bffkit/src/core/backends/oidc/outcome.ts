import * as oauth from 'oauth4webapi';

/**
 * Why a call to the provider failed:
 * - `rejected`: the provider said no (an OAuth error such as `invalid_grant`, HTTP 400/401).
 * - `invalid`: the provider's answer failed validation (ID token claims, signature, shape).
 * - `unavailable`: unreachable, 5xx, or a caller-side problem that is not the user's.
 * - `timeout`: no answer in time.
 */
export type ProviderFailure = 'rejected' | 'invalid' | 'unavailable' | 'timeout';

/**
 * Sorts an error thrown by oauth4webapi (or by fetch underneath it) into a {@link ProviderFailure}.
 *
 * @example
 * try { await oauth.processRefreshTokenResponse(as, client, res); } catch (e) { failureOf(e) } // 'rejected'
 */
export function failureOf(error: unknown): ProviderFailure {
  if (!(error instanceof Error)) return 'unavailable';
  if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout';
  if (error instanceof oauth.ResponseBodyError || error instanceof oauth.WWWAuthenticateChallengeError) {
    return error.status >= 500 ? 'unavailable' : 'rejected';
  }
  if (error instanceof oauth.OperationProcessingError) {
    if (error.code === oauth.RESPONSE_IS_NOT_CONFORM || error.code === oauth.RESPONSE_IS_NOT_JSON) {
      const status = error.cause instanceof Response ? error.cause.status : 0;
      return status === 400 || status === 401 ? 'rejected' : 'unavailable';
    }
    return 'invalid';
  }
  // e.g. `alg: none`, an unknown token type, JWE without a key: the answer cannot be accepted.
  if (error instanceof oauth.UnsupportedOperationError) return 'invalid';
  // Network errors surface as TypeError('fetch failed') with a cause.
  if (error.cause instanceof Error && (error.cause.name === 'TimeoutError' || error.cause.name === 'AbortError')) return 'timeout';
  return 'unavailable';
}

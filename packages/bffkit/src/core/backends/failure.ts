import { BffError } from '../errors';

/**
 * Why a call to the backend (or identity provider) brought nothing usable:
 * - `rejected`: it said no (bad credentials, invalid_grant, a refused token). Permanent.
 * - `unavailable`: unreachable, 5xx, or an answer that cannot be read. Transient.
 * - `timeout`: no answer in time. Transient.
 */
export type FailureReason = 'rejected' | 'unavailable' | 'timeout';

/** Who answered (or did not): for the message only. */
export type Peer = 'backend' | 'identity provider';

/**
 * The error a transient failure answers with: 504 `upstream_timeout` for a timeout, 502
 * `upstream_unavailable` otherwise. The session (if any) is kept: a backend that is down is never a
 * sign-out (docs/security.md 12).
 *
 * @example
 * if (!result.ok && result.reason !== 'rejected') throw transientError(result.reason);
 */
export function transientError(reason: Exclude<FailureReason, 'rejected'>, peer: Peer = 'backend'): BffError {
  const who = peer === 'backend' ? 'The backend' : 'The identity provider';
  return reason === 'timeout'
    ? new BffError('upstream_timeout', `${who} did not answer in time. Try again.`)
    : new BffError('upstream_unavailable', `${who} is unavailable. Try again.`);
}

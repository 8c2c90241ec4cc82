import type { Logger } from '../logger';
import type { ConfigWarningCode } from './events';

/**
 * Where this process remembers that it logged {@link UNSHARED_REFRESH} (it says the same for every
 * configuration). On globalThis, not in module state: Next loads this module once per bundle
 * (proxy.ts, route handlers, Server Components), and the line is once per process.
 */
const UNSHARED_LOGGED = Symbol.for('bffkit.refresh_not_shared.logged');

/** The start-up line of a production configuration without a shared refresh coordinator (docs/multi-instance.md). */
export const UNSHARED_REFRESH = {
  code: 'refresh_not_shared',
  message:
    'refresh: no shared refresh coordinator (refresh.coordinator is the in-process default): with more than one instance, ' +
    'requests that reach two instances with the same expiring session can refresh it twice, and a backend that detects ' +
    'refresh-token reuse then signs the user out. SessionProvider renews ahead of expiry one request at a time across tabs and ' +
    'the server refreshes only expired tokens, which avoids it for browsers running it; not for other clients sending ' +
    'parallel requests, nor for parallel page loads after the token expired. ' +
    'Remove the risk with refresh: { coordinator: redisRefreshCoordinator(redis) }; on one instance, pass ' +
    'memoryRefreshCoordinator() yourself to silence this (docs/multi-instance.md).',
} as const;

/**
 * Logs the configuration warnings, each once; {@link UNSHARED_REFRESH} once per process (an app may
 * configure several cores, and Next loads the configuration once per bundle).
 *
 * @example
 * logWarnings(logger, observability.warnings);
 */
export function logWarnings(logger: Logger, warnings: readonly { code: ConfigWarningCode; message: string }[]): void {
  const process_ = globalThis as { [UNSHARED_LOGGED]?: true };
  for (const warning of warnings) {
    if (warning.code === UNSHARED_REFRESH.code) {
      if (process_[UNSHARED_LOGGED]) continue;
      process_[UNSHARED_LOGGED] = true;
    }
    logger.warn(warning.message);
  }
}

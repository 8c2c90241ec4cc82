/**
 * Warnings about how the app wires bffkit into Next.js, each logged once per process with its fix,
 * never with a token, cookie or secret (they name paths and files only):
 * - a Server Component refreshed the tokens but could not save them because no proxy.ts ran for the
 *   request (no proxy.ts, or its matcher skips the page);
 * - proxy.ts runs for bffkit's own auth routes (its matcher covers `/api/auth/...`).
 * "Once per process" across Next's bundles: the flags live on `globalThis`, like the shared core.
 */
import type { Logger } from '../core/logger';

/**
 * The request header proxy.ts sets on every request it lets through, so the page knows proxy.ts ran.
 * A client can send it to silence the warning below; it changes nothing else.
 */
export const PROXY_RAN_HEADER = 'x-bffkit-proxy';

/** The warnings, by code. */
export const SETUP_WARNINGS = {
  refresh_not_persisted:
    'a Server Component refreshed the session but could not save the new tokens: no proxy.ts ran for this request ' +
    '(there is no proxy.ts next to app/, or its matcher skips this page). Each such request refreshes again, and with ' +
    "rotating refresh tokens the session can end. Fix: add proxy.ts (`export const proxy = bff.proxy({ protectedPaths: [...] })`) " +
    'with a matcher that covers the page; `npx bffkit init` writes one.',
  proxy_covers_auth_routes:
    "proxy.ts runs for bffkit's auth routes (its matcher covers {basePath}/...). They load and refresh the session themselves, " +
    'and Next buffers (and cuts at 10 MB) the body of every request proxy.ts runs on. Fix: exclude them from the matcher, ' +
    "e.g. matcher: ['/((?!_next/static/|_next/image|api/auth/|api/backend/).*)'].",
} as const;

export type SetupWarning = keyof typeof SETUP_WARNINGS;

const REGISTRY = Symbol.for('bffkit.next.setup-warnings.v1');

/**
 * Logs a setup warning the first time it happens in this process; later calls do nothing.
 *
 * @example
 * warnOnce(logger, 'refresh_not_persisted');
 */
export function warnOnce(logger: Logger, code: SetupWarning, vars: Record<string, string> = {}): void {
  const g = globalThis as { [REGISTRY]?: Set<SetupWarning> };
  const warned = (g[REGISTRY] ??= new Set());
  if (warned.has(code)) return;
  warned.add(code);
  const message = SETUP_WARNINGS[code].replace(/\{(\w+)\}/g, (m, name: string) => vars[name] ?? m);
  logger.warn(`${message} (${code}, logged once per process)`);
}

/**
 * Forgets which warnings were logged (tests only).
 *
 * @example
 * beforeEach(() => resetSetupWarnings());
 */
export function resetSetupWarnings(): void {
  (globalThis as { [REGISTRY]?: Set<SetupWarning> })[REGISTRY]?.clear();
}

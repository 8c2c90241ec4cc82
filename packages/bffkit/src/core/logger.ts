/** Where bffkit writes its few log lines. Messages never contain tokens, secrets or cookie values. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * The default logger: one line per event on the console, prefixed with `[bffkit]`.
 *
 * @example
 * consoleLogger.warn('session cookie tampered; treated as anonymous');
 */
export const consoleLogger: Logger = {
  info: (m) => console.info(`[bffkit] ${m}`),
  warn: (m) => console.warn(`[bffkit] ${m}`),
  error: (m) => console.error(`[bffkit] ${m}`),
};

/** A logger that drops everything (handy in tests). */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

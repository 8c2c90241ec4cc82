import type { ResolvedConfig } from '../config';
import { silentLogger } from '../logger';
import { Telemetry } from './telemetry';

export type { Telemetry };

/**
 * A telemetry that observes nothing (no handler, no diagnostics, OpenTelemetry off): the default of
 * the pieces that can be built without a context (a SessionCookie or Refresher in a unit test or a
 * benchmark). createContext always passes the configuration's own.
 */
export const NO_TELEMETRY: Telemetry = new Telemetry({
  logger: silentLogger,
  trustProxy: false,
  idleTimeout: 0,
  absoluteTimeout: 0,
  observability: {
    events: undefined,
    afterResponse: undefined,
    otel: false,
    propagate: false,
    diagnostics: { enabled: false, tokenHash: undefined, recentEvents: 0 },
    warnings: [],
  },
} as unknown as ResolvedConfig);

import type { ResolvedConfig } from './config';
import type { LoadedSession, RefreshMode } from './session/load';
import type { Refresher } from './session/refresh';
import type { SessionCookie } from './session/session-cookie';

/** What every route action gets: the configuration and the session machinery, built once. */
export interface BffContext {
  readonly config: ResolvedConfig;
  readonly cookie: SessionCookie;
  readonly refresher: Refresher;
  /** Loads the session from a Cookie header (see loadSession). */
  load(cookieHeader: string | null, mode: RefreshMode): Promise<LoadedSession>;
}

/** One route action: a request in, a response out. */
export type RouteAction = (ctx: BffContext, request: Request) => Promise<Response>;

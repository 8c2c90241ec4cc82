import type { BackendConfig } from './config';
import { openDatabase, type Db } from './db';
import { createNoteStore, type NoteStore } from './notes';
import { createDpopVerifier, type DpopVerifier } from './dpop';
import { createDummyVerifier } from './passwords';
import { createRefreshTokens, type RefreshTokens } from './refresh-tokens';
import { createStats, type Stats } from './stats';
import { createProviderTokens, type ProviderTokens } from './provider-tokens';
import { createAccessTokens, type AccessTokens } from './tokens';
import { createUserStore, seedUsers, type UserRow, type UserStore } from './users';

/** Everything the HTTP app needs; built by {@link createDeps} or by hand in tests. */
export interface AppDeps {
  /** `notes` (the example API) or `billing` (a second API: invoices, provider tokens only). */
  role: BackendConfig['role'];
  statsEnabled: boolean;
  corsOrigin: string | null;
  users: UserStore;
  notes: NoteStore;
  refreshTokens: RefreshTokens;
  accessTokens: AccessTokens;
  /** Whether this backend's own access tokens are accepted (not in the billing role). */
  acceptOwnTokens: boolean;
  /** An OpenID provider's access tokens, also accepted when configured (OIDC_ISSUER). */
  providerTokens?: ProviderTokens;
  /** DPoP proofs for DPoP-bound provider tokens (RFC 9449). */
  dpop: DpopVerifier;
  /** What `POST /payments` requires (RFC 9470). */
  stepUp: BackendConfig['stepUp'];
  stats: Stats;
  /** Runs a full argon2id verification that always fails (timing parity for unknown users). */
  dummyVerify: (password: string) => Promise<false>;
  /** Current time in epoch seconds. */
  now: () => number;
  /** Injected delays (POST /__test/delay, stats-enabled backends only): fault and slow-refresh tests. */
  delays?: Delays;
}

/** Milliseconds the backend waits before answering: refreshes, or every counted request. */
export interface Delays {
  refreshMs: number;
  allMs: number;
}

/** How the request authenticated: the scheme, and the user's authentication level when the token says. */
export interface RequestAuth {
  scheme: 'Bearer' | 'DPoP';
  /** The token's `acr` claim. */
  acr?: string;
  /** The token's `auth_time` claim (epoch seconds). */
  authTime?: number;
}

/** Hono environment: the authenticated user (and how) is set by the bearer middleware. */
export interface AppEnv {
  /** `client` is set instead of `user` on machine routes called with a client-credentials token. */
  Variables: { user: UserRow; auth: RequestAuth; client: string };
}

/**
 * Opens the database, seeds the demo users, and builds every store and service.
 *
 * @example
 * const { deps, db } = await createDeps(loadConfig(process.env));
 * const app = createApp(deps);
 */
export async function createDeps(config: BackendConfig): Promise<{ deps: AppDeps; db: Db }> {
  const db = openDatabase(config.databasePath);
  await seedUsers(db);
  const now = () => Math.floor(Date.now() / 1000);
  const deps: AppDeps = {
    role: config.role,
    statsEnabled: config.statsEnabled,
    corsOrigin: config.corsOrigin,
    users: createUserStore(db),
    notes: createNoteStore(db),
    refreshTokens: createRefreshTokens(db, config.refreshTokenTtl),
    accessTokens: await createAccessTokens({
      issuer: config.issuer,
      audience: config.audience,
      ttl: config.accessTokenTtl,
      privateJwk: config.privateJwk,
    }),
    acceptOwnTokens: config.role === 'notes',
    ...(config.oidc ? { providerTokens: createProviderTokens(config.oidc) } : {}),
    dpop: createDpopVerifier({ origins: config.publicOrigins, requireNonce: config.dpopNonce, now }),
    stepUp: config.stepUp,
    stats: createStats(),
    dummyVerify: await createDummyVerifier(),
    now,
    delays: { refreshMs: 0, allMs: 0 },
  };
  return { deps, db };
}

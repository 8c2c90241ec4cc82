import type { BackendConfig } from './config';
import { openDatabase, type Db } from './db';
import { createNoteStore, type NoteStore } from './notes';
import { createDummyVerifier } from './passwords';
import { createRefreshTokens, type RefreshTokens } from './refresh-tokens';
import { createStats, type Stats } from './stats';
import { createProviderTokens, type ProviderTokens } from './provider-tokens';
import { createAccessTokens, type AccessTokens } from './tokens';
import { createUserStore, seedUsers, type UserRow, type UserStore } from './users';

/** Everything the HTTP app needs; built by {@link createDeps} or by hand in tests. */
export interface AppDeps {
  statsEnabled: boolean;
  corsOrigin: string | null;
  users: UserStore;
  notes: NoteStore;
  refreshTokens: RefreshTokens;
  accessTokens: AccessTokens;
  /** An OpenID provider's access tokens, also accepted when configured (OIDC_ISSUER). */
  providerTokens?: ProviderTokens;
  stats: Stats;
  /** Runs a full argon2id verification that always fails (timing parity for unknown users). */
  dummyVerify: (password: string) => Promise<false>;
  /** Current time in epoch seconds. */
  now: () => number;
}

/** Hono environment: the authenticated user is set by the bearer middleware. */
export interface AppEnv {
  Variables: { user: UserRow };
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
  const deps: AppDeps = {
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
    ...(config.oidc ? { providerTokens: createProviderTokens(config.oidc) } : {}),
    stats: createStats(),
    dummyVerify: await createDummyVerifier(),
    now: () => Math.floor(Date.now() / 1000),
  };
  return { deps, db };
}

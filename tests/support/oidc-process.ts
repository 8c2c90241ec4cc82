/**
 * The example OpenID provider (examples/oidc-provider) as a child process, and an HTTP walk through
 * its sign-in pages for tests that do not need a browser.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { baseEnv, startApp, track, waitUntilReady, type AppProcess } from './app-process';
import { startBackend, type RunningBackend } from './backend-process';
import { cookieJar, type CookieJar } from './http';
import { freePort } from './ports';
import { startRedis, type RedisProcess } from './redis-process';

/** The provider's entry point. */
export const OIDC_PROVIDER_ENTRY = fileURLToPath(new URL('../../examples/oidc-provider/server.mjs', import.meta.url));
/** Client credentials every test provider registers for the example app. */
export const OIDC_CLIENT = { id: 'bffkit-example', secret: 'test-client-secret-for-bffkit-oidc-tests' } as const;
/** The audience of the provider's access tokens (the example API). */
export const OIDC_API_RESOURCE = 'urn:bffkit:example-api';
/** The second API's resource indicator and audience (`billing: true`). */
export const OIDC_BILLING_RESOURCE = 'urn:bffkit:billing-api';
/** An API only token exchange reaches (`partner: true`). */
export const OIDC_PARTNER_RESOURCE = 'urn:bffkit:partner-api';
/** The authentication levels of the step-up provider (`stepUp: true`). */
export const OIDC_ACR = { pwd: 'urn:bffkit:acr:pwd', mfa: 'urn:bffkit:acr:mfa' } as const;
/** The development second factor (`stepUp: true`). */
export const OIDC_OTP_CODE = '123456';
/** RFC 8693 grant type and token type. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** A client key pair for private_key_jwt (generated per test run: never a checked-in secret). */
export interface ClientKey {
  kid: string;
  alg: 'ES256';
  privateKey: CryptoKey;
  /** The private JWK (with `kid` and `alg`), e.g. for an app's environment. */
  privateJwk: JWK;
  publicJwk: JWK;
}

/**
 * Generates an ES256 client key pair for private_key_jwt.
 *
 * @example
 * const key = await generateClientKey();
 * const idp = await startOidcProvider({ appUrl, profile: 'fapi2', clientKey: key });
 */
export async function generateClientKey(kid = 'bffkit-test-client-key'): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
  return { kid, alg: 'ES256', privateKey, privateJwk, publicJwk };
}

/** The provider's `GET /__stats` answer. */
export interface OidcStats {
  authorization_code: number;
  refresh_token: number;
  token_exchange: number;
  client_credentials: number;
  /** Token-endpoint errors, DPoP nonce challenges not included. */
  grant_errors: number;
  /** `error: detail` of the last token-endpoint error (oidc-provider keeps the detail out of the answer). */
  last_grant_error: string | null;
  pushed_authorization_requests: number;
  /** `use_dpop_nonce` answers (token and PAR endpoints). */
  use_dpop_nonce: number;
  refresh_token_reuse: number;
  grants_revoked: number;
  end_sessions: number;
  backchannel_success: number;
  backchannel_error: number;
  last_backchannel_error: string | null;
}

/** Options of {@link startOidcProvider}. */
export interface StartOidcProviderOptions {
  /** Origin of the app whose callback/logout URLs the client registers, e.g. `http://localhost:3123`. */
  appUrl: string;
  /** Access-token lifetime in seconds. @default 300 */
  accessTokenTtl?: number;
  /** `fapi2`: FAPI 2.0 Security Profile (PAR, private_key_jwt, DPoP-bound tokens). @default 'default' */
  profile?: 'default' | 'fapi2';
  /** The client's key for private_key_jwt; generated when the profile needs one and none is given. */
  clientKey?: ClientKey;
  /** A second API, {@link OIDC_BILLING_RESOURCE}. @default false */
  billing?: boolean;
  /** An exchange-only API, {@link OIDC_PARTNER_RESOURCE} (needs `tokenExchange`). @default false */
  partner?: boolean;
  /** The RFC 8693 token-exchange grant. @default false */
  tokenExchange?: boolean;
  /** The client-credentials grant (machine tokens). @default false */
  clientCredentials?: boolean;
  /** Offer pushed authorization requests (false: no PAR endpoint at all). @default true */
  par?: boolean;
  /** `acr_values` (pwd, mfa) with the one-time code {@link OIDC_OTP_CODE}. @default false */
  stepUp?: boolean;
  /** Where a DPoP nonce is required. @default 'token' with fapi2, else 'off' */
  dpopNonce?: 'off' | 'token' | 'all';
  env?: Record<string, string>;
}

/** A running provider. */
export interface OidcProviderProcess {
  /** The issuer, `http://localhost:<port>`. */
  issuer: string;
  port: number;
  /** The client's private_key_jwt key, when the provider was started with one. */
  clientKey?: ClientKey;
  stats(): Promise<OidcStats>;
  resetStats(): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts examples/oidc-provider on a free port with stats on, waiting for its discovery document.
 *
 * @example
 * const idp = await startOidcProvider({ appUrl: `http://localhost:${appPort}` });
 */
export async function startOidcProvider(options: StartOidcProviderOptions): Promise<OidcProviderProcess> {
  const port = await freePort();
  const issuer = `http://localhost:${port}`;
  const clientKey = options.clientKey ?? (options.profile === 'fapi2' ? await generateClientKey() : undefined);
  const env: Record<string, string> = {
    ...baseEnv(),
    OIDC_PORT: String(port),
    OIDC_ISSUER: issuer,
    OIDC_APP_URL: options.appUrl,
    OIDC_CLIENT_ID: OIDC_CLIENT.id,
    OIDC_CLIENT_SECRET: OIDC_CLIENT.secret,
    OIDC_API_RESOURCE: OIDC_API_RESOURCE,
    OIDC_STATS: '1',
    ...(options.accessTokenTtl === undefined ? {} : { OIDC_ACCESS_TOKEN_TTL: String(options.accessTokenTtl) }),
    ...(options.profile ? { OIDC_PROFILE: options.profile } : {}),
    ...(clientKey ? { OIDC_CLIENT_JWKS: JSON.stringify({ keys: [clientKey.publicJwk] }) } : {}),
    ...(clientKey && options.profile !== 'fapi2' ? { OIDC_CLIENT_AUTH: 'private_key_jwt' } : {}),
    ...(options.billing ? { OIDC_BILLING_RESOURCE: OIDC_BILLING_RESOURCE } : {}),
    ...(options.partner ? { OIDC_PARTNER_RESOURCE: OIDC_PARTNER_RESOURCE } : {}),
    ...(options.tokenExchange ? { OIDC_TOKEN_EXCHANGE: '1' } : {}),
    ...(options.clientCredentials ? { OIDC_CLIENT_CREDENTIALS: '1' } : {}),
    ...(options.par === false ? { OIDC_PAR: '0' } : {}),
    ...(options.stepUp ? { OIDC_STEP_UP: '1', OIDC_OTP_CODE } : {}),
    ...(options.dpopNonce ? { OIDC_DPOP_NONCE: options.dpopNonce } : {}),
    ...options.env,
  };
  const proc = track(spawn(process.execPath, [OIDC_PROVIDER_ENTRY], { env, stdio: ['ignore', 'pipe', 'pipe'] }), 'oidc-provider');
  try {
    await waitUntilReady(`${issuer}/.well-known/openid-configuration`, proc, 30_000);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return {
    issuer,
    port,
    ...(clientKey ? { clientKey } : {}),
    async stats() {
      const res = await fetch(`${issuer}/__stats`);
      if (!res.ok) throw new Error(`GET /__stats: ${res.status}`);
      return (await res.json()) as OidcStats;
    },
    async resetStats() {
      const res = await fetch(`${issuer}/__stats/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`POST /__stats/reset: ${res.status}`);
    },
    output: proc.output,
    stop: proc.stop,
  };
}

/** Where a walk through the provider ended. */
export interface ProviderWalk {
  /** The last response (not followed further): e.g. the app's callback answer. */
  response: Response;
  /** Every URL requested, in order. */
  visited: string[];
}

/**
 * Follows redirects by hand, keeping cookies per origin (the app's in `appJar`, the provider's in
 * `idpJar`), and submits the provider's login form with the given credentials when it shows up.
 * Stops at the first response that is not a redirect, or at a redirect for which `stopAt` is true.
 *
 * @example
 * const { response } = await walkProvider(`${app.url}/api/auth/oidc/login`, { appOrigin: app.url, appJar, idpJar, login });
 */
export async function walkProvider(
  start: string,
  opts: {
    appOrigin: string;
    appJar: CookieJar;
    idpJar: CookieJar;
    login?: { email: string; password: string };
    /** The one-time code to enter when the provider asks for a second factor (step-up). */
    otp?: string;
    stopAt?: (url: URL) => boolean;
  },
): Promise<ProviderWalk> {
  const visited: string[] = [];
  let url = new URL(start);
  let init: RequestInit = {};
  for (let hop = 0; hop < 20; hop++) {
    visited.push(url.href);
    const jar = url.origin === new URL(opts.appOrigin).origin ? opts.appJar : opts.idpJar;
    const headers = new Headers(init.headers);
    if (jar.header()) headers.set('cookie', jar.header());
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    jar.store(response);
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.arrayBuffer();
      const next = new URL(location, url);
      if (opts.stopAt?.(next)) return { response, visited };
      url = next;
      init = {};
      continue;
    }
    const page = response.status === 200 ? await response.clone().text() : '';
    const otpForm = /<form method="post" action="(\/interaction\/[^"]+\/otp)"/.exec(page);
    if (otpForm && opts.otp) {
      await response.arrayBuffer();
      url = new URL(otpForm[1]!, url);
      init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url.origin }, body: new URLSearchParams({ code: opts.otp }).toString() };
      opts = { ...opts, otp: undefined };
      continue;
    }
    const form = /<form method="post" action="(\/interaction\/[^"]+\/login)"/.exec(page);
    if (form && opts.login) {
      await response.arrayBuffer();
      url = new URL(form[1]!, url);
      init = {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url.origin },
        body: new URLSearchParams(opts.login).toString(),
      };
      opts = { ...opts, login: undefined };
      continue;
    }
    return { response, visited };
  }
  throw new Error(`walkProvider: too many redirects:\n${visited.join('\n')}`);
}

/** Where {@link authorizeAtProvider} ended. */
export interface AuthorizationWalk {
  /** The authorization response: the redirect to `redirectUri`, with its query (`code`, `state`, `iss` or `error`). */
  callback: URL;
  /** Every URL requested, in order. */
  visited: string[];
}

/**
 * Drives the provider's authorization endpoint like a browser, for tests that act as the client
 * themselves (no app): follows redirects with the provider's cookies, signs in (and enters the one-time
 * code when asked), and stops at the redirect to `redirectUri` without requesting it.
 *
 * @example
 * const { callback } = await authorizeAtProvider(authorizationUrl, { redirectUri, idpJar, login: DEMO });
 * callback.searchParams.get('iss') // the issuer (RFC 9207)
 */
export async function authorizeAtProvider(
  authorizationUrl: URL | string,
  opts: { redirectUri: string; idpJar?: CookieJar; login?: { email: string; password: string }; otp?: string },
): Promise<AuthorizationWalk> {
  let callback: URL | undefined;
  const redirect = new URL(opts.redirectUri);
  const walk = await walkProvider(String(authorizationUrl), {
    appOrigin: redirect.origin,
    appJar: cookieJar(),
    idpJar: opts.idpJar ?? cookieJar(),
    ...(opts.login ? { login: opts.login } : {}),
    ...(opts.otp ? { otp: opts.otp } : {}),
    stopAt: (next) => {
      if (next.origin + next.pathname !== redirect.origin + redirect.pathname) return false;
      callback = next;
      return true;
    },
  });
  if (!callback) {
    const body = await walk.response.text();
    const shown = /data-testid="idp-error[^"]*"[^>]*>([^<]*)</.exec(body)?.[1] ?? body.slice(0, 300);
    throw new Error(`authorizeAtProvider: ended at ${walk.visited.at(-1)} (HTTP ${walk.response.status}) instead of ${opts.redirectUri}: ${shown}`);
  }
  return { callback, visited: walk.visited };
}

/**
 * Signs in through the provider over plain HTTP: starts at the app's OIDC login route and ends at the
 * app's callback answer (a 303 to `returnTo` with the session cookie in `appJar`).
 *
 * @example
 * const appJar = cookieJar(); const idpJar = cookieJar();
 * const res = await signInThroughProvider(app.url, { appJar, idpJar });
 */
export async function signInThroughProvider(
  appUrl: string,
  opts: { appJar?: CookieJar; idpJar?: CookieJar; email?: string; password?: string; returnTo?: string; basePath?: string } = {},
): Promise<{ response: Response; appJar: CookieJar; idpJar: CookieJar; visited: string[] }> {
  const appJar = opts.appJar ?? cookieJar();
  const idpJar = opts.idpJar ?? cookieJar();
  const base = opts.basePath ?? '/api/auth';
  const start = new URL(`${base}/oidc/login`, appUrl);
  if (opts.returnTo) start.searchParams.set('returnTo', opts.returnTo);
  const login = { email: opts.email ?? 'demo@example.com', password: opts.password ?? 'demo-password' };
  const callback = new URL(`${base}/oidc/callback`, appUrl).pathname;
  let reachedCallback = false;
  const walk = await walkProvider(start.href, {
    appOrigin: appUrl,
    appJar,
    idpJar,
    login,
    // Stop right after the callback answered (do not render the app's page).
    stopAt: (next) => {
      if (reachedCallback) return true;
      if (next.pathname === callback) reachedCallback = true;
      return false;
    },
  });
  return { ...walk, appJar, idpJar };
}

/** A bffkit core served over HTTP in this process (no Next.js): auth routes plus one forwarding upstream. */
export interface CoreServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `bff.handleAuth` under its basePath and `bff.forward(…, upstream)` under `forwardMount` on
 * 127.0.0.1, so HTTP walks and the provider's back-channel calls reach the core directly.
 *
 * @example
 * const server = await serveCore((req) => bff.handleAuth(req), port);
 */
export async function serveCore(handle: (request: Request) => Promise<Response>, port: number): Promise<CoreServer> {
  const { createServer } = await import('node:http');
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      if (v !== undefined) for (const one of [v].flat()) headers.append(k, one);
    }
    const body = chunks.length && req.method !== 'GET' && req.method !== 'HEAD' ? Buffer.concat(chunks) : undefined;
    const response = await handle(new Request(`http://localhost:${port}${req.url}`, { method: req.method, headers, body }));
    const out: Record<string, string | string[]> = {};
    response.headers.forEach((v, k) => {
      if (k !== 'set-cookie') out[k] = v;
    });
    const cookies = response.headers.getSetCookie();
    if (cookies.length) out['set-cookie'] = cookies;
    res.writeHead(response.status, out);
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://localhost:${port}`,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Signs out at the provider the way a user does: opens its end-session URL (from the app's logout, or
 * the bare `{issuer}/session/end`), then presses "Yes, sign me out". Answers the confirm response (a
 * redirect to the post-logout URI, or the provider's success page). The provider sends its back-channel
 * logout calls before it answers.
 *
 * @example
 * await signOutAtProvider(`${idp.issuer}/session/end`, idpJar);
 */
export async function signOutAtProvider(endSessionUrl: string, idpJar: CookieJar): Promise<Response> {
  const page = await fetch(endSessionUrl, { headers: { cookie: idpJar.header() }, redirect: 'manual' });
  idpJar.store(page);
  const html = await page.text();
  const action = /<form id="op\.logoutForm" method="post" action="([^"]+)">/.exec(html)?.[1];
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
  if (page.status !== 200 || !action || !xsrf) throw new Error(`signOutAtProvider: no logout form (HTTP ${page.status})`);
  const confirm = await fetch(action, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: idpJar.header(), 'content-type': 'application/x-www-form-urlencoded', origin: new URL(action).origin },
    body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
  });
  idpJar.store(confirm);
  return confirm;
}

/** Options of {@link startResourceServer}. */
export interface StartResourceServerOptions {
  /** `notes` (the example API) or `billing` (the second API: invoices, provider tokens only). @default 'notes' */
  role?: 'notes' | 'billing';
  /** The `aud` it accepts. @default OIDC_API_RESOURCE, or OIDC_BILLING_RESOURCE for `billing` */
  audience?: string;
  /** Demand a server nonce in DPoP proofs (DPOP_NONCE=1). @default false */
  dpopNonce?: boolean;
  env?: Record<string, string>;
}

/**
 * Starts the example backend as a resource server for the provider's tokens (OIDC_ISSUER, its JWKS,
 * one audience), with stats on. DPoP-bound tokens need a proof whose `htu` is `backend.url` (or the
 * `localhost` form of it).
 *
 * @example
 * const billing = await startResourceServer(idp, { role: 'billing' });
 */
export function startResourceServer(idp: Pick<OidcProviderProcess, 'issuer'>, opts: StartResourceServerOptions = {}): Promise<RunningBackend> {
  const role = opts.role ?? 'notes';
  return startBackend({
    env: {
      OIDC_ISSUER: idp.issuer,
      OIDC_JWKS_URL: `${idp.issuer}/jwks`,
      OIDC_AUDIENCE: opts.audience ?? (role === 'billing' ? OIDC_BILLING_RESOURCE : OIDC_API_RESOURCE),
      ...(role === 'billing' ? { API_ROLE: 'billing' } : {}),
      ...(opts.dpopNonce ? { DPOP_NONCE: '1' } : {}),
      ...opts.env,
    },
  });
}

/** The provider, the example backend accepting its tokens, and the example app signing in through it. */
export interface OidcStack {
  idp: OidcProviderProcess;
  backend: RunningBackend;
  /** The billing API (the example backend's billing role), when started with `billingApi`. */
  billing?: RunningBackend;
  app: AppProcess;
  /** The app's session store, when started with `redisSessions`. */
  redis?: RedisProcess;
  stop(): Promise<void>;
}

/** Options of {@link startOidcStack}. */
export interface StartOidcStackOptions {
  /** The provider's access-token lifetime in seconds. */
  accessTokenTtl?: number;
  /** Extra env for the app. */
  appEnv?: Record<string, string>;
  /** Extra env for the provider. */
  idpEnv?: Record<string, string>;
  /** Server-side sessions in a redis-server of the stack's own (BFF_SESSION_STORE=redis). @default false */
  redisSessions?: boolean;
  /**
   * The provider's profile and switches. With `profile: 'fapi2'` the app runs as a FAPI 2.0 client
   * (OIDC_PROFILE=fapi2, the generated private_key_jwt key in OIDC_CLIENT_KEY, no client secret).
   */
  provider?: Pick<StartOidcProviderOptions, 'profile' | 'billing' | 'partner' | 'tokenExchange' | 'stepUp' | 'dpopNonce' | 'clientCredentials'>;
  /** Also start the billing API and give the app its upstream (BILLING_URL, both resources at sign-in). @default false */
  billingApi?: boolean;
}

/**
 * Starts the whole OIDC stack on free ports: provider (client registered for the app's URL), backend
 * (OIDC_ISSUER/OIDC_JWKS_URL/OIDC_AUDIENCE), app (BFF_BACKEND=oidc), and with `redisSessions` a
 * redis-server for the app's sessions. `stop()` stops them all.
 *
 * @example
 * const stack = await startOidcStack({ accessTokenTtl: 3, redisSessions: true });
 */
export async function startOidcStack(opts: StartOidcStackOptions = {}): Promise<OidcStack> {
  const redis = opts.redisSessions ? await startRedis() : undefined;
  const appPort = await freePort();
  let idp: OidcProviderProcess | undefined;
  let backend: RunningBackend | undefined;
  let billing: RunningBackend | undefined;
  const billingApi = opts.billingApi === true;
  try {
    idp = await startOidcProvider({
      appUrl: `http://localhost:${appPort}`,
      ...(opts.accessTokenTtl === undefined ? {} : { accessTokenTtl: opts.accessTokenTtl }),
      ...(opts.idpEnv ? { env: opts.idpEnv } : {}),
      ...opts.provider,
      ...(billingApi ? { billing: true } : {}),
    });
    backend = await startResourceServer(idp);
    if (billingApi) billing = await startResourceServer(idp, { role: 'billing' });
    const fapi = opts.provider?.profile === 'fapi2';
    const app = await startApp({
      port: appPort,
      backendUrl: backend.url,
      env: {
        BFF_BACKEND: 'oidc',
        OIDC_ISSUER: idp.issuer,
        OIDC_CLIENT_ID: OIDC_CLIENT.id,
        ...(fapi ? { OIDC_PROFILE: 'fapi2', OIDC_CLIENT_KEY: JSON.stringify(idp.clientKey!.privateJwk) } : { OIDC_CLIENT_SECRET: OIDC_CLIENT.secret }),
        ...(billing
          ? { BILLING_URL: billing.url, OIDC_RESOURCE: `${OIDC_API_RESOURCE} ${OIDC_BILLING_RESOURCE}`, OIDC_SCOPES: 'openid profile email offline_access api billing' }
          : {}),
        ...(opts.provider?.clientCredentials ? { OIDC_CLIENT_CREDENTIALS: '1' } : {}),
        ...(redis ? { BFF_SESSION_STORE: 'redis', REDIS_URL: redis.url } : {}),
        ...opts.appEnv,
      },
    });
    const [startedIdp, startedBackend, startedBilling] = [idp, backend, billing];
    let stopped: Promise<void> | undefined;
    const stop = async () => {
      await app.stop();
      await startedBackend.stop();
      await startedBilling?.stop();
      await startedIdp.stop();
      await redis?.stop();
    };
    return { idp, backend, ...(billing ? { billing } : {}), app, ...(redis ? { redis } : {}), stop: () => (stopped ??= stop()) };
  } catch (error) {
    await backend?.stop();
    await billing?.stop();
    await idp?.stop();
    await redis?.stop();
    throw error;
  }
}

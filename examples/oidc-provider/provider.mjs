/**
 * The oidc-provider configuration: one confidential client (the example app) using the
 * authorization code flow with PKCE, JWT access tokens for the example API (resource indicator),
 * rotating refresh tokens, RP-initiated logout, revocation and back-channel logout. `OIDC_PROFILE=fapi2`
 * turns it into a FAPI 2.0 Security Profile provider (fapi.mjs); a second API, token exchange and
 * step-up are switched on one by one (resources.mjs, token-exchange.mjs, step-up.mjs).
 */
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { accountById, findAccount } from './accounts.mjs';
import { applyFapi2, dpopFeature, fapiClient } from './fapi.mjs';
import { logoutSource, postLogoutSuccessSource, renderError } from './pages.mjs';
import { resourceIndicatorsFeature, resourceServers } from './resources.mjs';
import { ACR, authenticationClaims, stepUpPolicy } from './step-up.mjs';
import { TOKEN_EXCHANGE, registerTokenExchange } from './token-exchange.mjs';

const FOURTEEN_DAYS = 14 * 24 * 60 * 60;

/** The registered client: confidential, code flow, the app's callback/logout URLs. */
function appClient(config) {
  const grantTypes = ['authorization_code', 'refresh_token', ...(config.tokenExchange ? [TOKEN_EXCHANGE] : []), ...(config.clientCredentials ? ['client_credentials'] : [])];
  const secretOrKeys =
    config.clientAuth === 'private_key_jwt'
      ? { token_endpoint_auth_method: 'private_key_jwt', jwks: config.clientJwks }
      : { token_endpoint_auth_method: config.clientAuth, client_secret: config.clientSecret };
  return {
    client_id: config.clientId,
    ...secretOrKeys,
    client_name: 'bffkit example app',
    redirect_uris: [`${config.appUrl}/api/auth/oidc/callback`],
    post_logout_redirect_uris: [`${config.appUrl}/`],
    grant_types: grantTypes,
    response_types: ['code'],
    backchannel_logout_uri: `${config.appUrl}/api/auth/oidc/backchannel-logout`,
    // Puts `sid` into ID tokens and logout tokens, so one provider session ends one app session.
    backchannel_logout_session_required: true,
    ...(config.stepUp ? { require_auth_time: true } : {}),
    ...(config.profile === 'fapi2' ? fapiClient() : {}),
  };
}

export async function createProvider(config) {
  const fapi = config.profile === 'fapi2';
  // FAPI 2.0 (5.4.1) allows PS256, ES256 and EdDSA only; ES256 also keeps tokens (and session cookies) small.
  const alg = fapi ? 'ES256' : 'RS256';
  // Fresh keys on every start: a development provider; tokens from a previous run stop validating.
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: `${alg.slice(0, 2).toLowerCase()}-${randomBytes(6).toString('hex')}`, alg, use: 'sig' };
  const apis = resourceServers(config, alg);

  const options = {
    clients: [appClient(config)],
    findAccount,
    // With step-up, every ID token says how and when the user authenticated (not only when asked for).
    claims: { openid: ['sub', ...(config.stepUp ? ['acr', 'amr', 'auth_time'] : [])], email: ['email', 'email_verified'], profile: ['name'] },
    // The display claims go into the ID token (not only userinfo): the app reads them from there.
    conformIdTokenClaims: false,
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    features: {
      dPoP: dpopFeature(config),
      devInteractions: { enabled: false }, // our own login page (interactions.mjs) checks passwords
      // A client may revoke only its own tokens.
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      resourceIndicators: resourceIndicatorsFeature(config, apis),
      // The app's own machine tokens for an API (a `resource` names which), no user in them.
      clientCredentials: { enabled: config.clientCredentials },
      // On by default in oidc-provider; OIDC_PAR=0 removes the endpoint (and its discovery entry).
      pushedAuthorizationRequests: { enabled: config.par },
    },
    // A refresh token for every sign-in of a client allowed the grant (no offline_access needed), rotated
    // on every use; presenting a used one revokes the whole grant (oidc-provider's reuse detection).
    // The FAPI 2.0 profile turns rotation off (fapi.mjs).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    // The example API finds its user by e-mail: put it into the access token; with step-up also how and
    // when the user authenticated (RFC 9068 section 2.2.1), which the API checks (RFC 9470).
    extraTokenClaims: async (ctx, token) => {
      if (token.kind !== 'AccessToken') return undefined;
      const account = accountById(token.accountId);
      if (!account) return undefined;
      return { email: account.email, ...(config.stepUp ? withoutUndefined(authenticationClaims(ctx)) : {}) };
    },
    ttl: {
      AccessToken: config.accessTokenTtl,
      IdToken: config.idTokenTtl,
      RefreshToken: config.refreshTokenTtl,
      AuthorizationCode: 60,
      Interaction: 3600,
      Session: FOURTEEN_DAYS,
      Grant: FOURTEEN_DAYS,
    },
    renderError,
    // oidc-provider refuses outgoing calls to loopback and private addresses (SSRF defence). The example
    // app runs on localhost, so its back-channel logout URL is let through; every other URL stays checked.
    fetch: (url, init) => {
      if (new URL(url).origin !== config.appUrl) return globalThis.fetch(url, init);
      const { dispatcher: _ssrfChecked, ...rest } = init;
      return globalThis.fetch(url, rest);
    },
  };
  if (fapi) applyFapi2(options);
  if (config.stepUp) {
    options.acrValues = [ACR.pwd, ACR.mfa];
    options.interactions = { policy: stepUpPolicy() };
  }

  const provider = new Provider(config.issuer, options);
  if (config.tokenExchange) registerTokenExchange(provider, { apis, verifyKey: publicKey, alg });
  return provider;
}

function withoutUndefined(claims) {
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
}

/**
 * The oidc-provider configuration: one confidential client (the example app) using the
 * authorization code flow with PKCE, JWT access tokens for the example API (resource indicator),
 * rotating refresh tokens, RP-initiated logout, revocation and back-channel logout.
 */
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { errors } from 'oidc-provider';
import { accountById, findAccount } from './accounts.mjs';
import { logoutSource, postLogoutSuccessSource, renderError } from './pages.mjs';

const FOURTEEN_DAYS = 14 * 24 * 60 * 60;

/**
 * @example
 * const provider = await createProvider(loadConfig(process.env));
 */
export async function createProvider(config) {
  // Fresh keys on every start: a development provider; tokens from a previous run stop validating.
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: `rs-${randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' };

  const provider = new Provider(config.issuer, {
    clients: [
      {
        client_id: config.clientId,
        client_secret: config.clientSecret,
        client_name: 'bffkit example app',
        redirect_uris: [`${config.appUrl}/api/auth/oidc/callback`],
        post_logout_redirect_uris: [`${config.appUrl}/`],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: config.clientAuth,
        backchannel_logout_uri: `${config.appUrl}/api/auth/oidc/backchannel-logout`,
        // Puts `sid` into ID tokens and logout tokens, so one provider session ends one app session.
        backchannel_logout_session_required: true,
      },
    ],
    findAccount,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // The display claims go into the ID token (not only userinfo): the app reads them from there.
    conformIdTokenClaims: false,
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false }, // our own login page (interactions.mjs) checks passwords
      // A client may revoke only its own tokens.
      revocation: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => config.apiResource,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, indicator) {
          if (indicator !== config.apiResource) throw new errors.InvalidTarget();
          return {
            scope: 'api',
            audience: config.apiResource,
            accessTokenTTL: config.accessTokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    // A refresh token for every sign-in of a client allowed the grant (no offline_access needed), rotated
    // on every use; presenting a used one revokes the whole grant (oidc-provider's reuse detection).
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    // The example API finds its user by e-mail: put it into the access token.
    extraTokenClaims: async (_ctx, token) => {
      if (token.kind !== 'AccessToken') return undefined;
      const account = accountById(token.accountId);
      return account ? { email: account.email } : undefined;
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
    fetch: (url, options) => {
      if (new URL(url).origin !== config.appUrl) return globalThis.fetch(url, options);
      const { dispatcher: _ssrfChecked, ...rest } = options;
      return globalThis.fetch(url, rest);
    },
  });
  return provider;
}

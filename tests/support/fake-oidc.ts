/**
 * A tiny OpenID provider of our own, in-process on 127.0.0.1, for attacks a certified provider will
 * never perform: it answers discovery, JWKS and the token endpoint, and hands out whatever ID token a
 * test crafts (wrong issuer, audience, nonce, `alg: none`, expired, foreign key…).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';

/** How the next ID token is made: claims on top of the valid defaults, and how it is signed. */
export interface IdTokenRecipe {
  claims?: Partial<JWTPayload> & Record<string, unknown>;
  /** Claims to drop from the defaults. */
  omit?: string[];
  /** 'valid' (the provider's key), 'foreign' (another key, same kid) or 'none' (unsecured JWT). */
  signing?: 'valid' | 'foreign' | 'none';
  /** What the userinfo endpoint answers for the access token of this sign-in (with the ID token's `sub`). */
  userinfo?: Record<string, unknown>;
  /** The access token to hand out (e.g. a JWT with made-up claims); random otherwise. */
  accessToken?: string;
}

/** A running fake provider. */
export interface FakeOidc {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Requests seen at the token endpoint, by grant type. */
  tokenCalls: { authorization_code: number; refresh_token: number };
  /**
   * Plays the user's sign-in for an authorization URL the app produced: checks it (client, redirect
   * URI, PKCE S256, state, nonce), remembers a one-time code, and answers the callback URL.
   */
  authorize(authorizationUrl: string, recipe?: IdTokenRecipe): URL;
  /** Builds an ID token (or any JWT) the way a recipe says. */
  idToken(nonce: string | undefined, recipe?: IdTokenRecipe): Promise<string>;
  /** Signs arbitrary claims with the provider's key (e.g. logout tokens). */
  sign(claims: JWTPayload, header?: { typ?: string }): Promise<string>;
  close(): Promise<void>;
}

interface PendingCode {
  challenge: string;
  nonce: string;
  redirectUri: string;
  recipe: IdTokenRecipe | undefined;
  used: boolean;
}

/**
 * @example
 * const idp = await startFakeOidc();
 * const callback = idp.authorize(locationFromLoginRoute, { claims: { aud: 'someone-else' } });
 */
export async function startFakeOidc(opts: { clientId?: string; clientSecret?: string } = {}): Promise<FakeOidc> {
  const clientId = opts.clientId ?? 'fake-client';
  const clientSecret = opts.clientSecret ?? 'fake-client-secret';
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const foreign: CryptoKey = (await generateKeyPair('ES256')).privateKey;
  const kid = 'fake-key-1';
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const codes = new Map<string, PendingCode>();
  const userinfo = new Map<string, Record<string, unknown>>();
  const tokenCalls = { authorization_code: 0, refresh_token: 0 };
  let issuer = '';

  const idToken = async (nonce: string | undefined, recipe: IdTokenRecipe = {}): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { iss: issuer, aud: clientId, sub: 'fake-user-1', email: 'fake@example.com', name: 'Fake User', iat: now, exp: now + 300, sid: 'fake-sid-1', ...(nonce && { nonce }), ...recipe.claims };
    for (const k of recipe.omit ?? []) delete claims[k];
    if (recipe.signing === 'none') {
      const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      return `${enc({ alg: 'none', typ: 'JWT' })}.${enc(claims)}.`;
    }
    return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid }).sign(recipe.signing === 'foreign' ? foreign : privateKey);
  };

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
    if (url.pathname === '/.well-known/openid-configuration') {
      return send(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        userinfo_endpoint: `${issuer}/userinfo`,
        jwks_uri: `${issuer}/jwks`,
        end_session_endpoint: `${issuer}/logout`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        // 'none' is advertised on purpose: bffkit must refuse unsigned ID tokens even then.
        id_token_signing_alg_values_supported: ['ES256', 'none'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        authorization_response_iss_parameter_supported: true,
      });
    }
    if (url.pathname === '/jwks') return send(200, { keys: [jwk] });
    if (url.pathname === '/userinfo') {
      const claims = userinfo.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
      return claims ? send(200, claims) : send(401, { error: 'invalid_token' });
    }
    if (url.pathname !== '/token' || req.method !== 'POST') return send(404, { error: 'not_found' });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const basic = req.headers.authorization?.replace(/^Basic /, '') ?? '';
    const [id, secret] = Buffer.from(basic, 'base64').toString().split(':').map((s) => decodeURIComponent(s));
    const authOk = (id === clientId && secret === clientSecret) || (form.get('client_id') === clientId && form.get('client_secret') === clientSecret);
    if (!authOk) return send(401, { error: 'invalid_client' });
    const grant = form.get('grant_type');
    if (grant === 'authorization_code') {
      tokenCalls.authorization_code += 1;
      const pending = codes.get(form.get('code') ?? '');
      if (!pending || pending.used) return send(400, { error: 'invalid_grant', error_description: 'code unknown or already used' });
      pending.used = true;
      const verifier = form.get('code_verifier') ?? '';
      if (createHash('sha256').update(verifier).digest('base64url') !== pending.challenge) return send(400, { error: 'invalid_grant', error_description: 'PKCE' });
      if (form.get('redirect_uri') !== pending.redirectUri) return send(400, { error: 'invalid_grant', error_description: 'redirect_uri' });
      const accessToken = pending.recipe?.accessToken ?? `at-${randomBytes(8).toString('hex')}`;
      userinfo.set(accessToken, { sub: 'fake-user-1', ...pending.recipe?.userinfo });
      return send(200, { access_token: accessToken, token_type: 'Bearer', expires_in: 300, refresh_token: `rt-${randomBytes(8).toString('hex')}`, id_token: await idToken(pending.nonce, pending.recipe) });
    }
    if (grant === 'refresh_token') {
      tokenCalls.refresh_token += 1;
      return send(200, { access_token: `at-${randomBytes(8).toString('hex')}`, token_type: 'Bearer', expires_in: 300, refresh_token: `rt-${randomBytes(8).toString('hex')}` });
    }
    return send(400, { error: 'unsupported_grant_type' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  issuer = `http://localhost:${typeof address === 'object' && address ? address.port : 0}`;

  return {
    get issuer() {
      return issuer;
    },
    clientId,
    clientSecret,
    tokenCalls,
    authorize(authorizationUrl, recipe) {
      const auth = new URL(authorizationUrl);
      const p = auth.searchParams;
      if (auth.origin + auth.pathname !== `${issuer}/authorize`) throw new Error(`not our authorization endpoint: ${auth.href}`);
      if (p.get('client_id') !== clientId || p.get('response_type') !== 'code') throw new Error('bad client_id or response_type');
      if (p.get('code_challenge_method') !== 'S256' || !p.get('code_challenge')) throw new Error('PKCE S256 missing');
      if (!p.get('state') || !p.get('nonce') || !p.get('redirect_uri')) throw new Error('state, nonce or redirect_uri missing');
      const code = randomBytes(16).toString('base64url');
      codes.set(code, { challenge: p.get('code_challenge')!, nonce: p.get('nonce')!, redirectUri: p.get('redirect_uri')!, recipe, used: false });
      const callback = new URL(p.get('redirect_uri')!);
      callback.searchParams.set('code', code);
      callback.searchParams.set('state', p.get('state')!);
      callback.searchParams.set('iss', issuer);
      return callback;
    },
    idToken,
    sign: (claims, header = {}) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid, ...header }).sign(privateKey),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The sign-in interaction: the provider sends the browser to /interaction/:uid; we show a login form,
 * check the password, and report the result back to oidc-provider. Consent for the example app is
 * granted automatically (it is a first-party client), so a user sees one page only. With step-up on
 * (OIDC_STEP_UP=1) a password sign-in reaches `urn:bffkit:acr:pwd`, and a request for
 * `urn:bffkit:acr:mfa` then asks for the one-time code (a second interaction, second factor only).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { checkPassword } from './accounts.mjs';
import { loginPage, otpPage } from './pages.mjs';
import { ACR, AMR, STEP_UP_REASON } from './step-up.mjs';

const MAX_BODY = 8 * 1024;
const ROUTE = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(login|otp|abort))?$/;

/**
 * Handles /interaction/* requests; answers false for any other path. `options`: `{ stepUp, otpCode }`
 * from the configuration.
 *
 * @example
 * if (await handleInteraction(provider, req, res, url, config)) return;
 */
export async function handleInteraction(provider, req, res, url, options = {}) {
  const match = ROUTE.exec(url.pathname);
  if (!match) return false;
  const [, uid, action] = match;
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (!action && req.method === 'GET') await show(provider, req, res, details, options);
    else if (action === 'login' && req.method === 'POST') await login(provider, req, res, details, options);
    else if (action === 'otp' && req.method === 'POST' && secondFactorOnly(details, options)) await otp(provider, req, res, details, options);
    else if (action === 'abort' && req.method === 'POST') {
      await provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user cancelled the sign-in.' }, { mergeWithLastSubmission: false });
    } else {
      res.writeHead(405, { 'content-type': 'text/plain' }).end('Method not allowed');
    }
  } catch {
    // Expired or unknown interaction (or a replayed form): start over at the app.
    res.writeHead(400, { 'content-type': 'text/plain' }).end('This sign-in request has expired. Go back to the app and start again.');
  }
  return true;
}

/**
 * True when the session is signed in and fresh enough, and only its level is short of what
 * `acr_values` asks: then the one-time code alone completes the sign-in.
 */
function secondFactorOnly(details, options) {
  const { name, reasons } = details.prompt;
  return Boolean(options.stepUp && name === 'login' && details.session?.accountId && reasons.length > 0 && reasons.every((r) => r === STEP_UP_REASON));
}

async function clientName(provider, details) {
  const client = await provider.Client.find(details.params.client_id);
  return client?.clientName ?? details.params.client_id;
}

async function show(provider, req, res, details, options) {
  if (details.prompt.name === 'consent') return grantConsent(provider, req, res, details);
  const name = await clientName(provider, details);
  if (secondFactorOnly(details, options)) return html(res, 200, otpPage({ uid: details.uid, clientName: name }));
  html(res, 200, loginPage({ uid: details.uid, clientName: name }));
}

async function login(provider, req, res, details, options) {
  const form = new URLSearchParams(await readBody(req));
  const account = checkPassword(form.get('email'), form.get('password'));
  if (!account) {
    html(res, 200, loginPage({ uid: details.uid, clientName: await clientName(provider, details), email: form.get('email') ?? '', error: 'Invalid email or password.' }));
    return;
  }
  // A password alone is the lower level; when the request asked for more, the step-up check of the login
  // prompt sends the user on to the one-time code.
  const level = options.stepUp ? { acr: ACR.pwd, amr: AMR[ACR.pwd] } : {};
  await provider.interactionFinished(req, res, { login: { accountId: account.id, ...level } }, { mergeWithLastSubmission: false });
}

async function otp(provider, req, res, details, options) {
  const form = new URLSearchParams(await readBody(req));
  if (!sameSecret(form.get('code') ?? '', options.otpCode)) {
    html(res, 200, otpPage({ uid: details.uid, clientName: await clientName(provider, details), error: 'Wrong code.' }));
    return;
  }
  const accountId = details.session.accountId;
  await provider.interactionFinished(req, res, { login: { accountId, acr: ACR.mfa, amr: AMR[ACR.mfa] } }, { mergeWithLastSubmission: false });
}

const digest = (s) => createHash('sha256').update(String(s)).digest();
const sameSecret = (a, b) => timingSafeEqual(digest(a), digest(b));

/** Grants what the first-party app asked for (OIDC scopes and claims, the API's scopes). */
async function grantConsent(provider, req, res, details) {
  const { prompt, params, session, grantId } = details;
  const grant = grantId ? await provider.Grant.find(grantId) : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const missing = prompt.details;
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
  await provider.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
}

function html(res, status, body) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // No form-action: browsers apply it to the redirects after the form post too, and those end at the app.
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
  res.end(body);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks = [];
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

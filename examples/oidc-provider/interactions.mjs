/**
 * The sign-in interaction: the provider sends the browser to /interaction/:uid; we show a login form,
 * check the password, and report the result back to oidc-provider. Consent for the example app is
 * granted automatically (it is a first-party client), so a user sees one page only.
 */
import { checkPassword } from './accounts.mjs';
import { loginPage } from './pages.mjs';

const MAX_BODY = 8 * 1024;
const ROUTE = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(login|abort))?$/;

/**
 * Handles /interaction/* requests; answers false for any other path.
 *
 * @example
 * if (await handleInteraction(provider, req, res, url)) return;
 */
export async function handleInteraction(provider, req, res, url) {
  const match = ROUTE.exec(url.pathname);
  if (!match) return false;
  const [, uid, action] = match;
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) throw new Error('interaction mismatch');
    if (!action && req.method === 'GET') await show(provider, req, res, details);
    else if (action === 'login' && req.method === 'POST') await login(provider, req, res, details);
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

async function show(provider, req, res, details) {
  if (details.prompt.name === 'consent') return grantConsent(provider, req, res, details);
  const client = await provider.Client.find(details.params.client_id);
  html(res, 200, loginPage({ uid: details.uid, clientName: client?.clientName ?? details.params.client_id }));
}

async function login(provider, req, res, details) {
  const form = new URLSearchParams(await readBody(req));
  const account = checkPassword(form.get('email'), form.get('password'));
  if (!account) {
    const client = await provider.Client.find(details.params.client_id);
    html(res, 200, loginPage({ uid: details.uid, clientName: client?.clientName ?? '', email: form.get('email') ?? '', error: 'Invalid email or password.' }));
    return;
  }
  await provider.interactionFinished(req, res, { login: { accountId: account.id } }, { mergeWithLastSubmission: false });
}

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

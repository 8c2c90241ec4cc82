/**
 * The provider's HTML pages (login, logout confirmation, errors): plain, self-contained, no external
 * resources, every interpolated value escaped.
 */

/** Escapes text for HTML element and attribute content. */
export function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f4f7;margin:0;padding:48px 16px}
main{max-width:360px;margin:0 auto;background:#fff;border-radius:8px;padding:24px 28px;box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.3rem;margin-top:0}label{display:block;margin:12px 0 4px}input{width:100%;box-sizing:border-box;padding:8px;font-size:1rem}
button{margin-top:16px;width:100%;padding:10px;font-size:1rem;background:#3451b2;color:#fff;border:0;border-radius:4px;cursor:pointer}
button.secondary{background:#e3e3e8;color:#222}.error{color:#b00020}.hint{color:#555;font-size:.85rem}`;

/** A full HTML page. `body` must already be escaped. */
export function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

/** The sign-in form of one interaction. */
export function loginPage({ uid, clientName, email = '', error }) {
  return page(
    'Sign in · Example identity provider',
    `<h1>Example identity provider</h1>
<p>Sign in to continue to <strong>${escapeHtml(clientName)}</strong>.</p>
${error ? `<p class="error" role="alert" data-testid="idp-error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" data-testid="idp-login-form" autocomplete="off">
<label for="email">E-mail</label><input id="email" name="email" type="email" required autofocus value="${escapeHtml(email)}">
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit" data-testid="idp-submit">Sign in</button>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort"><button type="submit" class="secondary" data-testid="idp-cancel">Cancel</button></form>
<p class="hint">Demo accounts: demo@example.com / demo-password, second@example.com / second-password.</p>`,
  );
}

/** The second factor of a step-up: a fixed development code (OIDC_OTP_CODE, default 123456). */
export function otpPage({ uid, clientName, error }) {
  return page(
    'Confirm · Example identity provider',
    `<h1>Example identity provider</h1>
<p><strong>${escapeHtml(clientName)}</strong> asks for a stronger sign-in. Enter the code from your authenticator.</p>
${error ? `<p class="error" role="alert" data-testid="idp-error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/otp" data-testid="idp-otp-form" autocomplete="off">
<label for="code">One-time code</label><input id="code" name="code" inputmode="numeric" pattern="[0-9]{6}" required autofocus>
<button type="submit" data-testid="idp-otp-submit">Confirm</button>
</form>
<form method="post" action="/interaction/${escapeHtml(uid)}/abort"><button type="submit" class="secondary" data-testid="idp-cancel">Cancel</button></form>
<p class="hint">Development provider: the code is 123456 unless OIDC_OTP_CODE says otherwise.</p>`,
  );
}

/** oidc-provider's `features.rpInitiatedLogout.logoutSource`: the "sign out?" confirmation. */
export async function logoutSource(ctx, form) {
  ctx.type = 'html';
  ctx.body = page(
    'Sign out · Example identity provider',
    `<h1>Sign out of the example identity provider?</h1>${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout" data-testid="idp-logout-yes">Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary" data-testid="idp-logout-no">No, stay signed in</button>`,
  );
}

/** oidc-provider's `features.rpInitiatedLogout.postLogoutSuccessSource`. */
export async function postLogoutSuccessSource(ctx) {
  ctx.type = 'html';
  ctx.body = page('Signed out', '<h1>You are signed out.</h1>');
}

/** oidc-provider's `renderError`: the error code and description only (both escaped). */
export async function renderError(ctx, out) {
  ctx.type = 'html';
  ctx.body = page('Error', `<h1>Something went wrong</h1><p data-testid="idp-error-code">${escapeHtml(out.error)}</p><p>${escapeHtml(out.error_description ?? '')}</p>`);
}

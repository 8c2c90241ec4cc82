import 'server-only';

/**
 * The example's stand-in for a role check (app/account): the e-mails in BFF_EXAMPLE_DENIED_ACCOUNTS
 * (comma-separated, read per request) are signed in but not allowed there, so `forbidden()` has
 * something to do. A real app asks its backend or the session's claims.
 */
export function deniedAccount(email: string | undefined): boolean {
  const denied = (process.env.BFF_EXAMPLE_DENIED_ACCOUNTS ?? '').split(',').map((e) => e.trim().toLowerCase());
  return Boolean(email) && denied.includes(email!.toLowerCase());
}

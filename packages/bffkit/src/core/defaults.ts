/**
 * The defaults shared by the server and the browser side, in a module with no imports, so the
 * browser bundle (`bffkit/react`) takes these values without any server code.
 */

/** Where the auth route handlers are mounted. */
export const DEFAULT_BASE_PATH = '/api/auth';

/** The static anti-forgery header every state-changing request carries (docs/security.md 13). */
export const DEFAULT_CSRF_HEADER: Readonly<{ name: string; value: string }> = Object.freeze({ name: 'x-csrf', value: '1' });

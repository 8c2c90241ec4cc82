// The form must work without JavaScript, with its returnTo and error message from the query string.
// Cache Components: rendered whole for each request (no static shell, nothing streamed).
export const instant = false;

export { default, metadata } from './login-page';

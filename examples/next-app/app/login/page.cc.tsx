// The form must work without JavaScript, with its returnTo and error message from the query string.
// Cache Components: rendered for each request, in the HTML, after the layout's prerendered shell.
export const instant = false;

export { default, metadata } from './login-page';

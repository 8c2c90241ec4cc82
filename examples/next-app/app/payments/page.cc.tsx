// Per request, in the HTML (JavaScript or not). Its redirects for anonymous or weaker sessions come
// from proxy.ts (protectedPaths): a redirect() here, after Next has sent the layout's shell, is
// followed by the client router only.
// Cache Components: rendered for each request, in the HTML, after the layout's prerendered shell.
export const instant = false;

export { default, metadata } from './payments-page';

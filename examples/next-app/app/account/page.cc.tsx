// Cache Components: rendered for each request (still 200 for unauthorized()/forbidden(): docs/cache-components.md).
export const instant = false;

export { default, metadata } from './account-page';

// Per request: it checks the session (and may redirect) before anything is sent, JavaScript or not.
// Cache Components: rendered whole for each request (no static shell, nothing streamed).
export const instant = false;

export { default, metadata } from './resource-page';

// Works without JavaScript: a no-JS sign-in lands here, and its header has the sign-out form.
// Cache Components: rendered whole for each request (no static shell, nothing streamed).
export const instant = false;

export { default } from './profile-page';

// Its Server Action forms work without JavaScript, so the list must be in the HTML, not streamed.
// Cache Components: rendered whole for each request (no static shell, nothing streamed).
export const instant = false;

export { default } from './sessions-page';

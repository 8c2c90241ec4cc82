// Its Server Action forms work without JavaScript, so the list must be in the HTML, not streamed.
// Cache Components: rendered for each request, in the HTML, after the layout's prerendered shell.
export const instant = false;

export { default } from './sessions-page';

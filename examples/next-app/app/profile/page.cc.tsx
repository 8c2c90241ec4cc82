// Works without JavaScript: a no-JS sign-in lands here, and its header has the sign-out form.
// Cache Components: rendered for each request, in the HTML, after the layout's prerendered shell.
export const instant = false;

export { default } from './profile-page';

import { bff } from '../../../../lib/bff.js';

// bffkit forwarding: session from the cookie, token attached on the server.
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = bff.forwardRoutes('backend');

import { bff } from '../../../../lib/bff.js';

// Fallback for /api/px calls that proxy.js passes on (calls with a body), and the route-level
// session check that never relies on proxy.ts alone (docs/security.md 23).
export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = bff.forwardRoutes('px');

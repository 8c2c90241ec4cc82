import { bffStaticAuth } from '../../../../lib/bff.js';

// GET /api/auth-static/session through a static route file (no dynamic segment to match).
export const { GET } = bffStaticAuth.authRoutes;

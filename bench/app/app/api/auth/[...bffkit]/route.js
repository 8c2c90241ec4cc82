import { bff } from '../../../../lib/bff.js';

// POST /api/auth/login, POST /api/auth/logout, GET /api/auth/session
export const { GET, POST } = bff.authRoutes;

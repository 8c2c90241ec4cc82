import { bff } from '@/lib/bff';

// POST /api/auth/login, POST /api/auth/logout, GET /api/auth/session
export const { GET, POST } = bff.authRoutes;

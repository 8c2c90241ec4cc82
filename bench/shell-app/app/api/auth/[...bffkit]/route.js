import { bff } from '../../../../lib/bff.js';

export const { GET, POST } = bff.authRoutes;

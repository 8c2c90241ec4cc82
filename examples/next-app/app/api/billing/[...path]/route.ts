import { bff, billingConfigured } from '@/lib/bff';

// The billing API (BILLING_URL), with a token for its own audience; 404 when the app has none.
const notConfigured = () => Response.json({ code: 'not_found', message: 'No billing API is configured.' }, { status: 404 });

export const GET = (request: Request) => (billingConfigured() ? bff.forwardRoutes('billing').GET(request) : notConfigured());

/**
 * The same browser tests as login.test.ts, against the example built with Cache Components off
 * (examples/next-app/.next-classic): how most existing apps run. See tests/support/app-process.ts.
 */
process.env.BFF_TEST_APP_VARIANT = 'classic';
await import('./login.test');
export {};

/** Constants shared by the core's unit-test helpers. */
/** Test secrets (≥ 32 characters). */
export const SECRET = 'unit-test-secret-0123456789-abcdefghij';
export const OTHER_SECRET = 'another-unit-test-secret-9876543210-zyx';
/** The configured app origin in tests (plain-http localhost: cookie name `bffkit`, no Secure). */
export const APP = 'http://localhost:3000';
/** Epoch seconds the fake clock starts at. */
export const START = 1_800_000_000;


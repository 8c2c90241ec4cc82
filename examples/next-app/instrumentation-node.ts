/**
 * Start-up check (Node.js runtime only): bffkit's configuration against what the identity provider
 * advertises (PAR, DPoP, client authentication, the FAPI 2.0 profile). A provider that cannot do what
 * the app requires stops the start with a clear message instead of failing every sign-in later. Only
 * with BFF_BACKEND=oidc: the credentials backend has nothing to check.
 */
import { bff, oidcConfigured } from './lib/bff';

if (oidcConfigured()) {
  try {
    await bff.verify();
  } catch (error) {
    console.error(`[example] bffkit cannot start: ${(error as { detail?: string }).detail ?? (error as Error).message}`);
    // An unreachable provider is transient (it may come up later); a misconfiguration is not.
    if ((error as { code?: string }).code === 'config_invalid') process.exit(1);
  }
}

/**
 * The APIs this provider issues access tokens for (RFC 8707 resource indicators): the example API,
 * optionally a second "billing" API with its own audience, and optionally a partner API that only the
 * token-exchange grant (RFC 8693) can target. Every access token is a JWT (RFC 9068) for one audience.
 */
import { errors } from 'oidc-provider';

/**
 * The resource servers of a configuration, by indicator.
 *
 * @example
 * const apis = resourceServers(config, 'RS256');
 * apis.get('urn:bffkit:example-api').audience // 'urn:bffkit:example-api'
 */
export function resourceServers(config, alg) {
  const apis = new Map();
  const add = (indicator, scope, exchangeOnly) =>
    apis.set(indicator, {
      scope,
      audience: indicator,
      accessTokenTTL: config.accessTokenTtl,
      accessTokenFormat: 'jwt',
      jwt: { sign: { alg } },
      exchangeOnly,
    });
  add(config.apiResource, 'api', false);
  if (config.billingResource) add(config.billingResource, 'billing', false);
  if (config.partnerResource) add(config.partnerResource, 'partner', true);
  return apis;
}

/** The resource server definition oidc-provider wants (without our own `exchangeOnly` mark). */
export function serverInfo(api) {
  const { exchangeOnly: _exchangeOnly, ...info } = api;
  return info;
}

/**
 * oidc-provider's `features.resourceIndicators`: only the registered APIs; the example API when the
 * client names none (at the authorization endpoint, or at the token endpoint when the grant holds
 * several); the partner API never through the authorization endpoint.
 *
 * @example
 * features.resourceIndicators = resourceIndicatorsFeature(config, apis);
 */
export function resourceIndicatorsFeature(config, apis) {
  return {
    enabled: true,
    defaultResource(_ctx, _client, oneOf) {
      if (!oneOf) return config.apiResource;
      // Several granted, none named at the token endpoint: the example API (as before a second existed).
      return oneOf.includes(config.apiResource) ? config.apiResource : oneOf;
    },
    useGrantedResource: () => true,
    getResourceServerInfo(_ctx, indicator) {
      const api = apis.get(indicator);
      if (!api || api.exchangeOnly) throw new errors.InvalidTarget();
      return serverInfo(api);
    },
  };
}

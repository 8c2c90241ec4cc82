/**
 * bffkit/redis: sessions, refresh single flight and login rate limits shared by every app instance
 * through Redis (ioredis). Its own entry point, so apps without Redis never load it.
 */
export { redisSessionStore } from './store';
export type { RedisSessionStore, RedisSessionStoreOptions } from './store';
export { redisRefreshCoordinator } from './coordinator';
export type { RedisRefreshCoordinatorOptions } from './coordinator';
export { redisRateLimitStore } from './rate-limit';
export type { RedisRateLimitStoreOptions } from './rate-limit';
export type { RedisCallOptions, RedisClient } from './call';

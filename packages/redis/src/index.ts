export { createRedisBroker, RedisBroker, type RedisBrokerOptions } from './redis-broker.js';
export { topicKeys, type TopicKeys } from './keys.js';
export { REDIS_UNAVAILABLE } from './errors.js';
export type { AnyRedisClient, AnyRedisCluster } from './link.js';
export { createRedisSessionStore, RedisSessionStore, SESSION_STORE_UNAVAILABLE, type RedisSessionStoreOptions } from './redis-session-store.js';
export { sessionKeys, type SessionKeys } from './session-keys.js';
export { createRedisRevocations, RedisRevocations, type RedisRevocationsOptions, type Revocable } from './revocations.js';

export { createRedisBroker, RedisBroker, type RedisBrokerOptions } from './redis-broker.js';
export { topicKeys, type TopicKeys } from './keys.js';
export { REDIS_UNAVAILABLE } from './errors.js';
export type { AnyRedisClient, AnyRedisCluster } from './link.js';

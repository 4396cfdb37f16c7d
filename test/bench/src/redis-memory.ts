/**
 * Memory per retained event of the Redis broker, as docs/scaling.md quotes it:
 *
 *   npx tsx src/redis-memory.ts          (in test/bench; starts its own redis-server)
 *
 * Publishes 10,000 events of two shapes to a topic each and prints MEMORY USAGE of the topic's stream per
 * event, and of its meta hash.
 */
import { createRedisBroker, topicKeys } from '@ackwire/redis';
import { createClient } from 'redis';
import { startRedis } from '../../helpers/redis-server.js';

const COUNT = 10_000;
const shapes: Array<[string, (i: number) => unknown]> = [
  ['tiny { n }', (i) => ({ n: i })],
  ['chat message { id, room, author, text, at: Date }', (i) => ({ id: i, room: 'general', author: 'ada', text: 'hello there, this is a chat message', at: new Date() })],
];

const redis = await startRedis();
try {
  const broker = await createRedisBroker({ url: redis.url, retainCount: COUNT });
  const client = createClient({ url: redis.url });
  await client.connect();
  for (const [label, make] of shapes) {
    const topic = `memory ${label}`;
    for (let i = 0; i < COUNT; i += 100) await Promise.all(Array.from({ length: 100 }, (_, j) => broker.publish(topic, make(i + j))));
    const keys = topicKeys('ackwire:', topic);
    const stream = Number(await client.sendCommand(['MEMORY', 'USAGE', keys.events, 'SAMPLES', '0']));
    const meta = Number(await client.sendCommand(['MEMORY', 'USAGE', keys.meta]));
    const entry = (await client.sendCommand(['XRANGE', keys.events, '-', '+', 'COUNT', '1'])) as [string, string[]][];
    const payload = Buffer.byteLength(entry[0]![1][1]!);
    console.log(`${label}: ${(stream / COUNT).toFixed(1)} bytes per event (payload ${payload} bytes), meta hash ${meta} bytes`);
  }
  await broker.close();
  client.destroy();
} finally {
  await redis.stop();
}

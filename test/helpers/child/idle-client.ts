/**
 * Run in a child process by test/integration/idle-exit.test.ts: a server, a client that used it, then the
 * server goes away and the client is never closed. Argument `idle`: nothing else happens, so the process
 * must exit by itself. Argument `pending`: a call waits for the server, so the process must stay.
 */
import { createClient } from '@ackwire/client';
import { contract, procedure } from '@ackwire/core';
import { createServer } from '@ackwire/server';
import * as z from 'zod';

const api = contract({ ping: procedure({ input: z.void(), output: z.literal('pong') }) });
const server = createServer(api, { handlers: { ping: () => 'pong' as const }, logger: { error: () => undefined, warn: () => undefined } });
const { url } = await server.listen({ port: 0 });
const client = createClient(api, { url, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
client.$on('close', (info) => console.log(`close ${info.willRetry ? 'retrying' : 'final'}`));
await client.ping();
await server.close();
if (process.argv[2] === 'pending') {
  client.ping().then(
    () => console.log('answered'),
    (err: Error) => console.log(`failed ${err.message}`),
  );
}
console.log('server closed');

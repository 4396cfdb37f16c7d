/**
 * Type tests for the client, checked by `tsc -p tsconfig.json --noEmit` (never run). Each `@ts-expect-error`
 * marks a mistake that must not compile; the comment after it says which error it stands for.
 */
import {
  createClient,
  type AckwireError,
  type CallPromise,
  type ClientOf,
  type CloseInfo,
  type CloseKind,
  type ConnectionInfo,
  type ConnectionState,
  type EventInfo,
  type StartInfo,
  type Subscription,
} from '@ackwire/client';
import { contract, procedure, subscription, type EventOf, type InputOf, type OutputOf, type ParamsOf, type ParsedParamsOf } from '@ackwire/core';
import { expectTypeOf } from 'vitest';
import { z } from 'zod';

const api = contract({
  math: {
    add: procedure({ input: z.object({ a: z.number(), b: z.number() }), output: z.number() }),
  },
  users: {
    get: procedure({ input: z.object({ id: z.string() }), output: z.object({ id: z.string(), born: z.date(), karma: z.bigint() }) }),
    length: procedure({ input: z.string().transform((s) => s.length), output: z.number().transform((n) => `${n} chars`) }),
    search: procedure({ input: z.object({ q: z.string(), limit: z.number().default(10) }), output: z.array(z.string()) }),
    ping: procedure({ input: z.void(), output: z.literal('pong') }),
    changes: subscription({ input: z.object({ id: z.string() }), event: z.object({ at: z.date(), karma: z.bigint(), tags: z.set(z.string()) }) }),
  },
});

const client = createClient(api, { url: 'ws://127.0.0.1:1/' });

async function results(): Promise<void> {
  // ---- results are typed from the output schemas --------------------------------------------------------
  const sum = client.math.add({ a: 1, b: 2 });
  expectTypeOf(sum).toEqualTypeOf<CallPromise<number>>();
  expectTypeOf(sum.received).toEqualTypeOf<Promise<void>>();
  expectTypeOf(sum.id).toEqualTypeOf<number>();
  expectTypeOf(await sum).toEqualTypeOf<number>();

  const user = await client.users.get({ id: 'u1' });
  expectTypeOf(user).toEqualTypeOf<{ id: string; born: Date; karma: bigint }>();
  expectTypeOf(user.born).toEqualTypeOf<Date>();
  expectTypeOf(user.karma).toEqualTypeOf<bigint>();

  // A transform: the caller passes the input schema's input and gets the output schema's output.
  expectTypeOf(client.users.length).parameter(0).toEqualTypeOf<string>();
  expectTypeOf(await client.users.length('hello')).toEqualTypeOf<string>();

  // A default: the field may be left out by the caller.
  expectTypeOf(await client.users.search({ q: 'x' })).toEqualTypeOf<string[]>();

  // A void input: no argument needed.
  expectTypeOf(await client.users.ping()).toEqualTypeOf<'pong'>();

  // Call options.
  await client.math.add({ a: 1, b: 2 }, { timeoutMs: 100, signal: new AbortController().signal, onReceived: () => undefined });
}
void results;

// ---- events are typed from the event schema -------------------------------------------------------------

const sub = client.users.changes.subscribe(
  { id: 'u1' },
  {
    onData: (event, info) => {
      expectTypeOf(event).toEqualTypeOf<{ at: Date; karma: bigint; tags: Set<string> }>();
      expectTypeOf(event.at).toEqualTypeOf<Date>();
      expectTypeOf(event.karma).toEqualTypeOf<bigint>();
      expectTypeOf(info).toEqualTypeOf<EventInfo>();
      expectTypeOf(info.offset).toEqualTypeOf<number>();
    },
    onError: (error) => expectTypeOf(error).toEqualTypeOf<AckwireError>(),
    onStarted: (info) => expectTypeOf(info).toEqualTypeOf<StartInfo>(),
  },
);
expectTypeOf(sub).toEqualTypeOf<Subscription>();
expectTypeOf(sub.offset).toEqualTypeOf<number>();

// ---- controls -----------------------------------------------------------------------------------------

expectTypeOf(client.$state).toEqualTypeOf<ConnectionState>();
expectTypeOf(client.$ready()).toEqualTypeOf<Promise<void>>();
expectTypeOf(client.$sessionId).toEqualTypeOf<string | undefined>();
client.$on('error', (error) => expectTypeOf(error).toEqualTypeOf<AckwireError>());
client.$on('close', (info) => expectTypeOf(info.code).toEqualTypeOf<number>());

// ---- mistakes that must not compile ------------------------------------------------------------------

// @ts-expect-error: a wrong input type (b must be a number)
void client.math.add({ a: 1, b: '2' });

// @ts-expect-error: a missing required input field (b)
void client.math.add({ a: 1 });

// @ts-expect-error: an unknown input field
void client.math.add({ a: 1, b: 2, c: 3 });

// @ts-expect-error: a missing input where one is required
void client.math.add();

// @ts-expect-error: an unknown procedure
void client.math.subtract({ a: 1, b: 2 });

// @ts-expect-error: an unknown namespace
void client.admin.users;

// @ts-expect-error: calling subscribe on a procedure
client.math.add.subscribe({ a: 1, b: 2 }, { onData: () => undefined });

// @ts-expect-error: calling a subscription as a procedure
void client.users.changes({ id: 'u1' });

// @ts-expect-error: a wrong subscription input
client.users.changes.subscribe({ id: 1 }, { onData: () => undefined });

client.users.changes.subscribe(
  { id: 'u1' },
  {
    onData: (event) => {
      // @ts-expect-error: an event field that the event schema does not have
      void event.name;
    },
  },
);

async function misuse(): Promise<void> {
  // @ts-expect-error: a result is not the input schema's type (length returns a string, not a number)
  const n: number = await client.users.length('abc');
  void n;
  // @ts-expect-error: born is a Date, not a string
  const born: string = (await client.users.get({ id: 'u1' })).born;
  void born;
  // @ts-expect-error: received resolves with nothing
  const r: number = await client.math.add({ a: 1, b: 2 }).received;
  void r;
  // @ts-expect-error: the transform's input is a string, not the number the handler sees
  void client.users.length(5);
}
void misuse;

// @ts-expect-error: an unknown client event
client.$on('message', () => undefined);

// The connection's state for a UI: one immutable object, its close kind a closed set of names.
expectTypeOf(client.$connection.state).toEqualTypeOf<ConnectionState>();
expectTypeOf(client.$connection.retryAt).toEqualTypeOf<number | undefined>();
expectTypeOf(client.$connection.lastClose).toEqualTypeOf<CloseInfo | undefined>();
expectTypeOf<CloseInfo['kind']>().toEqualTypeOf<CloseKind>();
expectTypeOf(client.$reconnect).toEqualTypeOf<() => boolean>();
client.$on('connection', (info) => expectTypeOf(info).toEqualTypeOf<ConnectionInfo>());
// @ts-expect-error: $connection is read-only
client.$connection = client.$connection;
// @ts-expect-error: not a close kind
const kind: CloseKind = 'offline';
void kind;

// ---- connection params are typed by the contract's params schema -----------------------------------------

const withParams = contract(
  { ping: procedure({ input: z.void(), output: z.literal('pong') }) },
  { params: z.object({ token: z.string(), n: z.number().default(1) }) },
);
const url = 'ws://127.0.0.1:1/';
const pc = createClient(withParams, { url, params: { token: 't' } });
createClient(withParams, { url, params: async () => ({ token: 't', n: 2 }) });
// @ts-expect-error: params of the wrong type
createClient(withParams, { url, params: { token: 1 } });
// @ts-expect-error: params missing a required field
createClient(withParams, { url, params: () => ({ n: 1 }) });
void pc.$authenticate({ token: 'u' });
// @ts-expect-error: $authenticate takes the params type too
void pc.$authenticate({ tok: 'u' });
// Without a params schema, any value may be sent.
createClient(api, { url, params: 42 });

// ---- types to name things with ------------------------------------------------------------------------

const named: ClientOf<typeof api> = client;
expectTypeOf(named).toEqualTypeOf(client);
expectTypeOf(pc).toEqualTypeOf<ClientOf<typeof withParams>>();
expectTypeOf<InputOf<typeof api.math.add>>().toEqualTypeOf<{ a: number; b: number }>();
expectTypeOf<InputOf<typeof api.users.search>>().toEqualTypeOf<{ q: string; limit?: number | undefined }>();
expectTypeOf<OutputOf<typeof api.users.length>>().toEqualTypeOf<string>();
expectTypeOf<OutputOf<typeof api.users.get>>().toEqualTypeOf<{ id: string; born: Date; karma: bigint }>();
expectTypeOf<EventOf<typeof api.users.changes>>().toEqualTypeOf<{ at: Date; karma: bigint; tags: Set<string> }>();
expectTypeOf<ParamsOf<typeof withParams>>().toEqualTypeOf<{ token: string; n?: number | undefined }>();
expectTypeOf<ParsedParamsOf<typeof withParams>>().toEqualTypeOf<{ token: string; n: number }>();
expectTypeOf<ParamsOf<typeof api>>().toEqualTypeOf<unknown>();

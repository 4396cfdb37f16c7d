/**
 * The hooks' types, checked by `tsc`: inputs, outputs and events come from the contract; a wrong input, an
 * unknown procedure or subscription, and a wrong use of the data are compile errors.
 */
import type { AckwireError, ConnectionState, RecoveredCall } from '@ackwire/client';
import { createAckwireHooks, type ClientOf, type Gap, type SubscriptionPhase } from '@ackwire/react';
import { createQueryUtils, useCallMutation, useQueryUtils, type ReceiptStage } from '@ackwire/react/query';
import { useMutation, useQuery, useSuspenseQuery, type QueryClient } from '@tanstack/react-query';
import { expectTypeOf } from 'vitest';
import type { Api } from './fixtures.js';

const hooks = createAckwireHooks<Api>();
type Note = { id: number; text: string };

export function ConnectionTypes(): void {
  const c = hooks.useConnection();
  expectTypeOf(c.state).toEqualTypeOf<ConnectionState>();
  expectTypeOf(c.reconnect).toEqualTypeOf<() => boolean>();
  expectTypeOf(c.error).toEqualTypeOf<AckwireError | undefined>();
}

export function SubscriptionTypes(): void {
  const feed = hooks.useSubscription((c) => c.notes.added, { board: 'a' }, { onData: (note) => expectTypeOf(note).toEqualTypeOf<Note>() });
  expectTypeOf(feed.events).toEqualTypeOf<readonly Note[]>();
  expectTypeOf(feed.last).toEqualTypeOf<Note | undefined>();
  expectTypeOf(feed.status).toEqualTypeOf<SubscriptionPhase>();
  expectTypeOf(feed.gap).toEqualTypeOf<Gap | undefined>();
  // @ts-expect-error: the input is { board: string }
  hooks.useSubscription((c) => c.notes.added, { room: 'a' });
  // @ts-expect-error: board is a string
  hooks.useSubscription((c) => c.notes.added, { board: 1 });
  // @ts-expect-error: no such subscription
  hooks.useSubscription((c) => c.notes.removed, { board: 'a' });
  // @ts-expect-error: a procedure is not a subscription
  hooks.useSubscription((c) => c.notes.list, { board: 'a' });
  // @ts-expect-error: the event has no author
  hooks.useSubscription((c) => c.notes.added, { board: 'a' }, { onData: (note) => note.author });
}

export function QueryTypes(queryClient: QueryClient): void {
  const q = useQueryUtils<Api>();
  const list = useQuery(q.notes.list.queryOptions({ board: 'a' }));
  if (list.isSuccess) expectTypeOf(list.data).toEqualTypeOf<Note[]>();
  expectTypeOf(list.error).toEqualTypeOf<AckwireError | null>();
  // `select` changes the data's type as in any TanStack query.
  const count = useQuery(q.notes.list.queryOptions({ board: 'a' }, { select: (notes: Note[]) => notes.length }));
  if (count.isSuccess) expectTypeOf(count.data).toEqualTypeOf<number>();
  const suspense = useSuspenseQuery(q.notes.list.queryOptions({ board: 'a' }));
  expectTypeOf(suspense.data).toEqualTypeOf<Note[]>();
  // The key carries the data type for the query client.
  expectTypeOf(queryClient.getQueryData(q.notes.list.queryKey({ board: 'a' }))).toEqualTypeOf<Note[] | undefined>();
  // @ts-expect-error: wrong input
  q.notes.list.queryOptions({ board: 1 });
  // @ts-expect-error: missing input
  q.notes.list.queryOptions();
  // @ts-expect-error: no such procedure
  q.notes.remove.queryOptions({ board: 'a' });
  // @ts-expect-error: subscriptions have no query options
  q.notes.added.queryOptions({ board: 'a' });

  const add = useCallMutation(q.notes.add.mutationOptions());
  expectTypeOf(add.receipt.stage).toEqualTypeOf<ReceiptStage>();
  expectTypeOf(add.data).toEqualTypeOf<Note | undefined>();
  expectTypeOf(add.error).toEqualTypeOf<AckwireError | null>();
  add.mutate({ board: 'a', text: 'x' });
  // @ts-expect-error: text is required
  add.mutate({ board: 'a' });
  // Plain TanStack useMutation takes the same options (without the receipt).
  const plain = useMutation(q.notes.add.mutationOptions());
  expectTypeOf(plain.data).toEqualTypeOf<Note | undefined>();
  // @ts-expect-error: useMutation's state has no receipt
  void plain.receipt;
}

export function ClientAndRecoveredTypes(): void {
  const client = hooks.useClient();
  expectTypeOf(client).toEqualTypeOf<ClientOf<Api> | undefined>();
  if (client) expectTypeOf(client.notes.add({ board: 'a', text: 'x' })).resolves.toEqualTypeOf<Note>();
  const recovered = hooks.useRecoveredCalls();
  expectTypeOf(recovered[0]!.status).toEqualTypeOf<'pending' | 'done' | 'failed'>();
  expectTypeOf(recovered[0]!.call).toEqualTypeOf<RecoveredCall>();
  expectTypeOf(recovered[0]!.error).toEqualTypeOf<AckwireError | undefined>();
  // @ts-expect-error: the list is read-only
  recovered.push(recovered[0]!);
}

export function UtilsWithoutProvider(client: Parameters<typeof createQueryUtils>[0]): void {
  void client;
}

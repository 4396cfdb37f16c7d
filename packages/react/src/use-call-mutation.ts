/**
 * `useCallMutation(q.chat.send.mutationOptions())`: TanStack's `useMutation`, whose state also carries the
 * call's receipt, so a UI can show queued, sent, received by the server, and done.
 */
import type { AckwireError, CallOptions } from '@ackwire/client';
import { useMutation, type UseMutationResult } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useAckwireClient } from './provider.js';
import { CALL, type AckwireMutationOptions } from './query-utils.js';

export type ReceiptStage =
  | 'idle'
  /** Waiting for a connection (offline, or the server is restarting): in the client's outbox. */
  | 'queued'
  /** Written on an open connection. */
  | 'sent'
  /** The server accepted it (its receipt): it runs exactly once, whatever happens to the connection. */
  | 'received'
  | 'done'
  | 'failed';

export interface Receipt {
  readonly stage: ReceiptStage;
  /** The call's id (stable across reconnects and, with persistence, reloads). */
  readonly id: number | undefined;
  /** When the stage was entered (ms since the epoch), per stage reached. */
  readonly at: Readonly<Partial<Record<Exclude<ReceiptStage, 'idle'>, number>>>;
}

const IDLE: Receipt = Object.freeze({ stage: 'idle', id: undefined, at: Object.freeze({}) });

export type CallMutationResult<I, O, TContext = unknown> = UseMutationResult<O, AckwireError, I, TContext> & { receipt: Receipt };

export function useCallMutation<I, O, TContext = unknown>(options: AckwireMutationOptions<I, O, TContext>): CallMutationResult<I, O, TContext> {
  const client = useAckwireClient();
  const [receipt, setReceipt] = useState<Receipt>(IDLE);
  const latest = useRef(0);
  const call = options[CALL];

  const mutation = useMutation<O, AckwireError, I, TContext>({
    ...options,
    mutationFn: (input: I) => {
      const run = ++latest.current;
      // Only the latest call's receipt is shown, as TanStack shows the latest mutation's state.
      const step = (stage: ReceiptStage, id: number | undefined): void => {
        if (latest.current === run) setReceipt((r) => ({ stage, id, at: { ...(r.id === id ? r.at : {}), [stage]: Date.now() } }));
      };
      let id: number | undefined;
      const callOptions: CallOptions = { onReceived: () => step('received', id) };
      const promise = call(input, callOptions);
      id = promise.id;
      step(client && client.$state === 'open' ? 'sent' : 'queued', id);
      promise.then(
        () => step('done', id),
        () => step('failed', id),
      );
      return promise;
    },
  });

  // A queued call goes out when the connection opens.
  useEffect(() => {
    if (!client || receipt.stage !== 'queued') return undefined;
    const id = receipt.id;
    const sent = (): void => setReceipt((r) => (r.stage === 'queued' && r.id === id ? { stage: 'sent', id, at: { ...r.at, sent: Date.now() } } : r));
    if (client.$state === 'open') sent();
    return client.$on('state', (state) => {
      if (state === 'open') sent();
    });
  }, [client, receipt.stage, receipt.id]);

  return { ...mutation, receipt };
}

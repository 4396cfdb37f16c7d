/**
 * `useRecoveredCalls()`: the calls made before a reload that the provider's client (made with
 * `restoreClient`) runs again, each with its status and, once it has one, its outcome.
 */
import type { AckwireError, RecoveredCall } from '@ackwire/client';
import { useEffect, useState } from 'react';
import { useAckwireClient } from './provider.js';
import type { AnyClient } from './types.js';

export interface RecoveredCallState {
  readonly call: RecoveredCall;
  readonly status: 'pending' | 'done' | 'failed';
  readonly output: unknown;
  readonly error: AckwireError | undefined;
}

const NONE: readonly RecoveredCallState[] = Object.freeze([]);

function initial(client: AnyClient | undefined): readonly RecoveredCallState[] {
  const recovered = client?.$recovered ?? [];
  return recovered.length === 0 ? NONE : recovered.map((call) => ({ call, status: 'pending', output: undefined, error: undefined }));
}

export function useRecoveredCalls(): readonly RecoveredCallState[] {
  const client = useAckwireClient();
  const [states, setStates] = useState(() => initial(client));
  useEffect(() => {
    setStates(initial(client));
    let live = true;
    const settle = (id: number, change: Partial<RecoveredCallState>): void => {
      if (live) setStates((all) => all.map((s) => (s.call.id === id ? { ...s, ...change } : s)));
    };
    for (const call of client?.$recovered ?? []) {
      call.result.then(
        (output) => settle(call.id, { status: 'done', output }),
        (error: AckwireError) => settle(call.id, { status: 'failed', error }),
      );
    }
    return () => {
      live = false;
    };
  }, [client]);
  return states;
}

/** `@ackwire/react/query`: the TanStack Query v5 bindings (an optional peer dependency). */
import type { Client } from '@ackwire/client';
import type { Contract } from '@ackwire/core';
import { useMemo, useRef } from 'react';
import { useAckwireClient } from './provider.js';
import { createQueryUtils, type QueryUtils } from './query-utils.js';
import type { TreeOf } from './types.js';

export { createQueryUtils, CALL, type AckwireMutationOptions, type AckwireQueryKey, type AckwireQueryOptions, type MutationExtras, type ProcedureUtils, type QueryExtras, type QueryUtils } from './query-utils.js';
export { useCallMutation, type CallMutationResult, type Receipt, type ReceiptStage } from './use-call-mutation.js';

/** The options tree for the provider's client: `const q = useQueryUtils<typeof api>()`. */
export function useQueryUtils<C>(): QueryUtils<TreeOf<C>> {
  const client = useAckwireClient<Client<TreeOf<C>>>();
  const current = useRef(client);
  current.current = client;
  return useMemo(() => createQueryUtils<TreeOf<C>>(() => current.current), []);
}

export type { Contract };

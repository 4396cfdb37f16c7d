/**
 * The provider: hands a client the application created to the hooks below it. Given a factory instead, it
 * creates the client once per provider after mounting, and never while rendering on the server, so that
 * `renderToString` opens no socket; hooks render their "not connected yet" state until it exists.
 */
import { createContext, createElement, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { AnyClient } from './types.js';

const ClientContext = createContext<AnyClient | undefined>(undefined);

export interface AckwireProviderProps<C extends AnyClient = AnyClient> {
  /** The client, or a function creating it (called once, in the browser only, and closed on unmount). */
  client: C | (() => C);
  children?: ReactNode;
}

/** A factory's client and the mounts using it (StrictMode mounts, unmounts and mounts again at once). */
interface Owned {
  client: AnyClient | undefined;
  mounts: number;
}

export function AckwireProvider<C extends AnyClient>({ client, children }: AckwireProviderProps<C>) {
  const owned = typeof client === 'function';
  const holder = useRef<Owned>({ client: undefined, mounts: 0 });
  const [made, setMade] = useState<AnyClient | undefined>(undefined);
  // Made in an effect: never while rendering (on the server, effects do not run), and not once per render
  // (StrictMode calls render functions and state initializers twice).
  useEffect(() => {
    if (!owned) return undefined;
    const h = holder.current;
    h.mounts++;
    h.client ??= (client as () => C)();
    setMade(h.client);
    return () => {
      h.mounts--;
      queueMicrotask(() => {
        if (h.mounts > 0 || !h.client) return;
        h.client.$close();
        h.client = undefined;
      });
    };
  }, [owned]);
  return createElement(ClientContext.Provider, { value: owned ? made : (client as C) }, children);
}

/** The provider's client; undefined while rendering on the server with a factory, or outside a provider. */
export function useAckwireClient<C extends AnyClient = AnyClient>(): C | undefined {
  return useContext(ClientContext) as C | undefined;
}

/**
 * What the page tells the client about the network and its own visibility. A browser client reconnects at
 * once (with a little jitter) when the browser comes back online and when a hidden tab becomes visible,
 * instead of waiting out its backoff, and makes no attempt while `navigator.onLine` is false. When the
 * browser goes offline, the open socket is dropped at once rather than found dead by the heartbeat. Other runtimes
 * have no such signals unless the application passes its own (`options.network`).
 */

/** `offline`: the browser says it lost the network, so the open socket is as good as dead. */
export type NetworkWake = 'online' | 'visible' | 'offline';

export interface NetworkSignals {
  /** False when the runtime knows it has no network at all (`navigator.onLine`); attempts then wait. */
  readonly online: boolean;
  /** Call `wake` when the network comes back or goes, or the page becomes visible; returns the unsubscribe. */
  watch(wake: (why: NetworkWake) => void): () => void;
}

interface BrowserGlobals {
  navigator?: { onLine?: boolean };
  document?: { visibilityState?: string; addEventListener?: EventTarget['addEventListener']; removeEventListener?: EventTarget['removeEventListener'] };
  addEventListener?: EventTarget['addEventListener'];
  removeEventListener?: EventTarget['removeEventListener'];
}

/** The browser's signals (`online`, `visibilitychange`), or undefined outside a browser page. */
export function browserNetwork(scope: BrowserGlobals = globalThis as BrowserGlobals): NetworkSignals | undefined {
  const doc = scope.document;
  if (typeof scope.addEventListener !== 'function' || !doc || typeof doc.addEventListener !== 'function') return undefined;
  return {
    get online() {
      return scope.navigator?.onLine !== false;
    },
    watch(wake) {
      const onOnline = (): void => wake('online');
      const onOffline = (): void => wake('offline');
      const onVisibility = (): void => {
        if (doc.visibilityState === 'visible') wake('visible');
      };
      scope.addEventListener!('online', onOnline);
      scope.addEventListener!('offline', onOffline);
      doc.addEventListener!('visibilitychange', onVisibility);
      return () => {
        scope.removeEventListener?.('online', onOnline);
        scope.removeEventListener?.('offline', onOffline);
        doc.removeEventListener?.('visibilitychange', onVisibility);
      };
    },
  };
}

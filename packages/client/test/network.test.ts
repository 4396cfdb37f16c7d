/** The browser's network signals: `online` and a tab made visible wake the connection; hidden does not. */
import { describe, expect, it } from 'vitest';
import { browserNetwork } from '../src/network.js';

function fakeBrowser(onLine: boolean) {
  const win = new EventTarget();
  const doc = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
  const navigator = { onLine };
  const scope = {
    navigator,
    document: doc,
    addEventListener: win.addEventListener.bind(win),
    removeEventListener: win.removeEventListener.bind(win),
  };
  return { scope, win, doc, navigator };
}

describe('browserNetwork', () => {
  it('is undefined outside a page (no document or no addEventListener)', () => {
    expect(browserNetwork({})).toBeUndefined();
    expect(browserNetwork({ addEventListener: () => undefined })).toBeUndefined();
  });

  it('reads navigator.onLine, tells online, offline and visible (not hidden), and stops after unwatch', () => {
    const { scope, win, doc, navigator } = fakeBrowser(false);
    const network = browserNetwork(scope)!;
    expect(network.online).toBe(false);
    navigator.onLine = true;
    expect(network.online).toBe(true);
    const woken: string[] = [];
    const unwatch = network.watch((why) => woken.push(why));
    win.dispatchEvent(new Event('online'));
    win.dispatchEvent(new Event('offline'));
    doc.dispatchEvent(new Event('visibilitychange')); // still hidden
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    expect(woken).toEqual(['online', 'offline', 'visible']);
    unwatch();
    win.dispatchEvent(new Event('online'));
    expect(woken).toEqual(['online', 'offline', 'visible']);
  });
});

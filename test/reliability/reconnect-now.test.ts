/**
 * Reconnecting when it makes sense: `$reconnect()` and the network signals (`online`, a tab made visible)
 * skip the backoff; no attempt is made while the runtime knows it is offline; a server that refused for
 * load is not hurried by the signals. `$connection` tells a UI all of it.
 */
import type { ConnectionInfo, NetworkSignals, NetworkWake } from '@ackwire/client';
import { AckwireError } from '@ackwire/core';
import { describe, expect, it } from 'vitest';
import { harness, type Harness } from '../helpers/reliability.js';

let h: Harness | undefined;

/** Network signals the test drives. */
function fakeNetwork(online: boolean): NetworkSignals & { online: boolean; fire(why: NetworkWake): void; watchers: number } {
  const wakes = new Set<(why: NetworkWake) => void>();
  return {
    online,
    get watchers() {
      return wakes.size;
    },
    watch(wake) {
      wakes.add(wake);
      return () => wakes.delete(wake);
    },
    fire(why) {
      for (const w of wakes) w(why);
    },
  };
}

/** Resolves with the first `$connection` that matches. */
function until(client: { $connection: ConnectionInfo; $on(e: 'connection', fn: (i: ConnectionInfo) => void): () => void }, match: (i: ConnectionInfo) => boolean, what: string): Promise<ConnectionInfo> {
  if (match(client.$connection)) return Promise.resolve(client.$connection);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no connection info with ${what} within 10 s; last ${JSON.stringify(client.$connection)}`));
    }, 10_000);
    const off = client.$on('connection', (info) => {
      if (!match(info)) return;
      clearTimeout(timer);
      off();
      resolve(info);
    });
  });
}

const LONG = { initialDelayMs: 60_000, maxDelayMs: 60_000, wakeJitterMs: 5 };

describe('reconnect now', () => {
  it('$reconnect() skips a long backoff: the next attempt starts within the jitter', async () => {
    h = await harness();
    const client = h.client({ reconnect: LONG, network: false });
    await client.$ready();
    h.proxy.refuse(true);
    h.proxy.cut();
    // The backoff is uniform in [0, 60 s]: wait for a retry more than a second away.
    const waiting = await until(client, (i) => i.state === 'reconnecting' && i.retryAt !== undefined && i.retryAt - Date.now() > 1_000, 'a retry over 1 s away');
    expect(waiting.lastClose).toMatchObject({ code: 1006, kind: 'network', willRetry: true });
    h.proxy.refuse(false);
    const accepted = h.proxy.accepted;
    expect(client.$reconnect()).toBe(true);
    expect(client.$connection.retryAt! - Date.now()).toBeLessThanOrEqual(5);
    await until(client, (i) => i.state === 'open', 'state open');
    expect(h.proxy.accepted).toBe(accepted + 1);
    expect(client.$reconnect()).toBe(false); // open: nothing to bring forward
    expect(await client.jobs.run({ key: 'after' })).toEqual({ key: 'after', runs: 1 });
  });

  it('makes no attempt while offline, and connects when the network comes back', async () => {
    h = await harness();
    const network = fakeNetwork(false);
    const client = h.client({ network, reconnect: { ...LONG } });
    const pending = client.jobs.run({ key: 'queued offline' });
    const info = await until(client, (i) => i.waitingForNetwork, 'waitingForNetwork');
    expect(info).toMatchObject({ state: 'connecting', retryAt: undefined });
    expect(h.proxy.accepted).toBe(0);
    expect(client.$reconnect()).toBe(true); // brought forward, but the browser is still offline: it waits again
    await until(client, (i) => i.waitingForNetwork, 'waitingForNetwork again');
    expect(h.proxy.accepted).toBe(0);
    network.online = true;
    network.fire('online');
    expect(await pending).toEqual({ key: 'queued offline', runs: 1 });
    expect(h.proxy.accepted).toBe(1);
  });

  it('a lost connection while offline waits for online; visible or online skips the backoff', async () => {
    h = await harness();
    const network = fakeNetwork(true);
    const client = h.client({ network, reconnect: LONG });
    await client.$ready();
    network.online = false;
    h.proxy.cut();
    await until(client, (i) => i.state === 'reconnecting' && i.waitingForNetwork, 'waiting for the network');
    network.online = true;
    network.fire('online');
    await until(client, (i) => i.state === 'open', 'open after online');

    // A lost connection with the backoff far away: a tab made visible brings the attempt forward.
    h.proxy.refuse(true);
    h.proxy.cut();
    await until(client, (i) => i.state === 'reconnecting' && i.retryAt !== undefined && i.retryAt - Date.now() > 1_000, 'a long backoff');
    h.proxy.refuse(false);
    network.fire('visible');
    await until(client, (i) => i.state === 'open', 'open after visible');

    // The browser says it is offline: the open socket is dropped at once, not found dead by the heartbeat.
    network.online = false;
    network.fire('offline');
    const dropped = await until(client, (i) => i.state === 'reconnecting' && i.waitingForNetwork, 'dropped on offline');
    expect(dropped.lastClose).toMatchObject({ code: 1006, kind: 'network', reason: 'the browser is offline' });
    network.online = true;
    network.fire('online');
    await until(client, (i) => i.state === 'open', 'open after offline, online');
    client.$close();
    expect(network.watchers).toBe(0);
  });

  it('the network signals do not hurry a server that refused for load; $reconnect() does', async () => {
    let refuse = true;
    h = await harness({
      authenticate: () => {
        if (refuse) throw new AckwireError('TOO_MANY_REQUESTS', 'slow down');
        return undefined;
      },
    });
    const network = fakeNetwork(true);
    const client = h.client({ network, reconnect: LONG });
    const refused = await until(client, (i) => i.lastClose?.kind === 'rate-limited' && i.retryAt !== undefined, 'a rate-limit wait');
    expect(refused.retryAt! - Date.now()).toBeGreaterThan(20_000);
    refuse = false;
    network.fire('online');
    network.fire('visible');
    expect(client.$connection.retryAt).toBe(refused.retryAt);
    expect(client.$reconnect()).toBe(true);
    await until(client, (i) => i.state === 'open', 'open after $reconnect');
  });
});

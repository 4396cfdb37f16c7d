/**
 * A TCP proxy on 127.0.0.1 for fault injection: cut every connection, drop bytes in one direction, stop
 * reading from the server (a client that does not read), or refuse new connections for a while.
 */
import net from 'node:net';

interface Pair {
  readonly client: net.Socket;
  readonly upstream: net.Socket;
}

export interface Proxy {
  readonly port: number;
  readonly url: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Destroy every open connection (both sides). */
  cut(): void;
  /** Discard bytes going 'up' (client → server), 'down' (server → client), or neither. */
  drop(direction: 'up' | 'down' | 'both' | null): void;
  /** Stop (true) or resume (false) reading from the server side of every connection. */
  stall(on: boolean): void;
  /** While true, new connections are closed at once. */
  refuse(on: boolean): void;
  /** Send new connections to another port of 127.0.0.1 (open ones stay where they are). */
  retarget(port: number): void;
  /** Send new connections to these ports in turn (a load balancer's pool changed; open ones stay). */
  setTargets(ports: readonly number[]): void;
  close(): Promise<void>;
}

/** `targetPort` may list several ports: new connections then go to them in turn (a round-robin balancer). */
export async function startProxy(targetPort: number | readonly number[], path = '/'): Promise<Proxy> {
  const pairs = new Set<Pair>();
  let dropping: 'up' | 'down' | 'both' | null = null;
  let stalled = false;
  let refusing = false;
  let accepted = 0;
  let targets: readonly number[] = typeof targetPort === 'number' ? [targetPort] : targetPort;
  let turn = 0;
  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    accepted++;
    const upstream = net.connect(targets[turn++ % targets.length]!, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    if (stalled) upstream.pause();
    client.on('data', (chunk) => {
      if (dropping !== 'up' && dropping !== 'both') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (dropping !== 'down' && dropping !== 'both') client.write(chunk);
    });
    const end = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.on('error', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const cut = (): void => {
    for (const { client, upstream } of [...pairs]) {
      client.destroy();
      upstream.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    url: `ws://127.0.0.1:${port}${path}`,
    get accepted() {
      return accepted;
    },
    cut,
    retarget(port) {
      targets = [port];
    },
    setTargets(ports) {
      targets = [...ports];
    },
    drop(direction) {
      dropping = direction;
    },
    stall(on) {
      stalled = on;
      for (const { upstream } of pairs) {
        if (on) upstream.pause();
        else upstream.resume();
      }
    },
    refuse(on) {
      refusing = on;
    },
    close() {
      cut();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A small seeded PRNG (mulberry32), so chaos runs can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Cut every connection of `proxy` again and again, 20–200 ms apart (drawn from `random`), until `stop()`;
 * `stop()` resolves with the number of cuts made.
 */
export function cutAtRandom(proxy: Proxy, random: () => number): { stop(): Promise<number> } {
  let cuts = 0;
  let cutting = true;
  const loop = (async () => {
    while (cutting) {
      await new Promise((r) => setTimeout(r, 20 + Math.floor(random() * 180)));
      if (!cutting) break;
      proxy.cut();
      cuts++;
    }
  })();
  return {
    async stop() {
      cutting = false;
      await loop;
      return cuts;
    },
  };
}

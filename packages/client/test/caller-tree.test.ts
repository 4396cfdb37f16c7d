/**
 * The contract's tree on a client (caller-tree.ts): made on first read, kept, the same function each time,
 * usable unbound, and costing nothing per name of the contract until a name is read. The calls themselves
 * go through a scripted in-process WebSocket.
 */
import { contract, encodeServerMessage, jsonCodec, MessageType, procedure, subscription, type Definition } from '@ackwire/core';
import { expect, it } from 'vitest';
import { z } from 'zod';
import { defineCallers, initNode, type CallerSource, type TreeNode } from '../src/caller-tree.js';
import { createClient } from '../src/index.js';

const str = z.string();
const api = contract({
  top: procedure({ input: str, output: str }),
  users: {
    get: procedure({ input: str, output: str }),
    feed: subscription({ input: str, event: str }),
    admin: { ban: procedure({ input: str, output: str }) },
  },
  // Names an object has anyway are the contract's on the client.
  constructor: procedure({ input: str, output: str }),
  toString: procedure({ input: str, output: str }),
});

/** A node class over `api` whose callers are their definitions' paths, counting the callers made. */
function countingTree(): { made: string[]; tree: () => Record<string, any> } {
  const made: string[] = [];
  const source: CallerSource = {
    caller(def: Definition) {
      made.push(def.path);
      return { path: def.path };
    },
  };
  class Root {
    constructor() {
      initNode(this as unknown as TreeNode, source);
    }
  }
  defineCallers(Root.prototype, api);
  return { made, tree: () => new Root() as Record<string, any> };
}

it('makes a caller on its first read only, once per node, and each node its own', () => {
  const { made, tree } = countingTree();
  const a = tree();
  const b = tree();
  expect(made).toEqual([]);
  expect(a.users.admin.ban).toEqual({ path: 'users.admin.ban' });
  expect(made).toEqual(['users.admin.ban']);
  expect(a.users.admin.ban).toBe(a.users.admin.ban);
  expect(a.users).toBe(a.users);
  expect(made).toEqual(['users.admin.ban']);
  expect(b.users.admin.ban).not.toBe(a.users.admin.ban);
  expect(b.users).not.toBe(a.users);
  expect(a.constructor).toEqual({ path: 'constructor' });
  expect(a.toString).toEqual({ path: 'toString' });
  expect(made).toEqual(['users.admin.ban', 'users.admin.ban', 'constructor', 'toString']);
});

it('shows the names to for...in and `in`, not as own properties', () => {
  const { tree } = countingTree();
  const a = tree();
  const names: string[] = [];
  for (const name in a.users) names.push(name);
  expect(names).toEqual(['get', 'feed', 'admin']);
  expect('feed' in a.users).toBe(true);
  expect(Object.keys(a.users)).toEqual([]);
  expect(() => {
    a.users.get = 1;
  }).toThrow(TypeError);
});

/** A browser-style WebSocket that welcomes the hello and answers each call with its input, upper-cased. */
class EchoSocket {
  readonly protocol = 'ackwire.v1.json';
  readonly binaryType = 'blob';
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onerror: ((e: unknown) => void) | null = null;
  onclose: ((e: { code: number; reason: string }) => void) | null = null;

  constructor() {
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.();
    });
  }

  send(text: string): void {
    const frame = JSON.parse(text) as unknown[];
    const reply = (msg: Parameters<typeof encodeServerMessage>[0]): void =>
      queueMicrotask(() => this.onmessage?.({ data: encodeServerMessage(msg, jsonCodec) }));
    if (frame[0] === MessageType.HELLO) {
      const limits = { maxInFlight: 16, maxPayload: 1 << 20 };
      reply({ type: MessageType.WELCOME, sessionId: 'session-1', resumeToken: 'token-1', resumed: false, lastId: 0, limits });
    } else if (frame[0] === MessageType.CALL) {
      reply({ type: MessageType.RESULT, id: frame[1] as number, output: String(frame[3]).toUpperCase() });
    }
  }

  close(): void {
    this.readyState = 3;
  }
}

it('calls through callers read unbound, and through the tree', async () => {
  const client = createClient(api, { url: 'ws://test/', WebSocket: EchoSocket as never });
  try {
    const { get } = client.users;
    const ban = client.users.admin.ban;
    expect(client.users.get).toBe(get);
    expect(await get('a')).toBe('A');
    expect(await ban('b')).toBe('B');
    expect(await client.top('c')).toBe('C');
    expect(typeof client.users.feed.subscribe).toBe('function');
    expect(client.$state).toBe('open');
  } finally {
    client.$close();
  }
});

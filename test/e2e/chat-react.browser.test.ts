/**
 * The React chat in Chromium against an Ackwire server started here from the chat's contract, with
 * handlers that count what they run (to prove exactly once), a gate to hold `chat.send` mid-call, and an
 * `authenticate` hook that can refuse upgrades: offline then online, a reload in the middle of calls, two
 * tabs, and refused connections.
 */
import { execFile } from 'node:child_process';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AckwireError } from '@ackwire/core';
import { createServer } from '@ackwire/server';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { api, type Message, type Room } from '../../examples/chat/contract/src/index.js';
import { serveStatic } from '../../examples/chat/server/src/static.js';
import { internals } from '../helpers/internals.js';
import { listen, attach, type Listener } from '@ackwire/server/ws';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB_ROOT = `${ROOT}examples/chat/web/dist/`;

const missing = !existsSync(CHROMIUM);
const skip = missing && !process.env.CI;
if (skip) {
  const bar = '!'.repeat(78);
  console.warn(`\n${bar}\n!! SKIPPED test/e2e/chat-react.browser.test.ts: no Chromium at ${CHROMIUM}.\n!! Install it (apt-get install -y chromium) to run the browser tests. In CI (CI set) this fails.\n${bar}\n`);
}

type Refuse = 'none' | 'unauthorized' | 'busy' | 'unavailable';

/** The chat's server with counters and switches. */
function chatServer() {
  const rooms = new Map<Room, Message[]>();
  let lastId = 0;
  const runs = new Map<string, number>();
  const order: string[] = [];
  const state = { refuse: 'none' as Refuse, upgrades: 0, gate: undefined as Promise<void> | undefined };
  const server = createServer(api).implement({
    context: ({ params }) => ({ name: params.name }),
    authenticate: () => {
      state.upgrades++;
      if (state.refuse === 'unauthorized') throw new AckwireError('UNAUTHORIZED', 'Invite expired');
      if (state.refuse === 'busy') throw new AckwireError('TOO_MANY_REQUESTS', 'Too many joins, slow down');
      if (state.refuse === 'unavailable') throw new AckwireError('UNAVAILABLE', 'Maintenance');
      return undefined;
    },
    logger: { error: () => undefined, warn: () => undefined },
    handlers: {
      chat: {
        send: async ({ room, text }, { ctx }) => {
          runs.set(text, (runs.get(text) ?? 0) + 1);
          order.push(text);
          await state.gate;
          const message: Message = { id: ++lastId, room, author: ctx.name, text, at: new Date() };
          rooms.set(room, [...(rooms.get(room) ?? []), message]);
          await server.publish(api.chat.messages, room, message);
          return message;
        },
        history: ({ room }) => rooms.get(room) ?? [],
        messages: ({ room }) => room,
      },
    },
  });
  return { server, runs, order, state };
}

let browser: Browser | undefined;
let http: HttpServer | undefined;
let listener: Listener | undefined;
let chat: ReturnType<typeof chatServer>;
let base = '';
const contexts: BrowserContext[] = [];
const stamp = Date.now().toString(36);

interface ChatPage {
  page: Page;
  errors: string[];
}

async function newPage(context: BrowserContext): Promise<ChatPage> {
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(base);
  return { page, errors };
}

async function newContext(): Promise<BrowserContext> {
  const context = await browser!.newContext();
  contexts.push(context);
  return context;
}

async function join(page: Page, name: string, state: 'open' | 'any' = 'open'): Promise<void> {
  await page.fill('#name', name);
  await page.click('#join button');
  if (state === 'open') {
    await page.locator('#state[data-state="open"]').waitFor();
    await page.locator('#room-state[data-state="live"]').waitFor();
  }
}

async function send(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

/** Calls the page's client keeps in IndexedDB (the `chat` storage). */
/** The calls a page has in IndexedDB; with `path`, only those of that procedure. */
function storedCalls(page: Page, path?: string): Promise<number> {
  return page.evaluate(
    (path) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('ackwire-chat');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('calls', 'readonly').objectStore('calls').getAll();
          req.onsuccess = () => resolve((req.result as Array<{ path: string }>).filter((c) => path === undefined || c.path === path).length);
          req.onerror = () => reject(req.error);
        };
      }),
    path,
  );
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(skip)('the React chat in Chromium', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    if (missing) throw new Error(`CI needs Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
    // The root build (incremental, and one at a time: the other browser test builds too).
    await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 240_000);

  beforeEach(async () => {
    chat = chatServer();
    http = createHttpServer(serveStatic(WEB_ROOT));
    await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
    listener = attach(chat.server, { server: http, path: '/ws' });
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
  });

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    chat.state.gate = undefined;
    await listener?.close();
    await chat.server.close();
    http?.closeAllConnections();
    await new Promise((r) => http?.close(r));
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('a typed call, a subscription event, and the connection state in words', async () => {
    const alice = await newPage(await newContext());
    const bob = await newPage(await newContext());
    await join(alice.page, 'Alice');
    await join(bob.page, 'Bob');
    expect(await alice.page.locator('#state').innerText()).toBe('connected');
    const text = `hi ${stamp}`;
    await send(alice.page, text);
    await alice.page.locator('li.mine[data-status="echoed"]', { hasText: text }).waitFor();
    await bob.page.locator('#messages li', { hasText: text }).waitFor();
    expect(chat.runs.get(text)).toBe(1);
    expect([...alice.errors, ...bob.errors]).toEqual([]);
  });

  it('offline, three messages wait in the outbox; back online, each runs once, in order', async () => {
    const context = await newContext();
    const { page, errors } = await newPage(context);
    await join(page, 'Olive');
    await context.setOffline(true);
    await page.locator('#state', { hasText: 'offline' }).waitFor();
    const texts = [1, 2, 3].map((n) => `offline ${n} ${stamp}`);
    for (const t of texts) await send(page, t);
    for (const t of texts) await page.locator('li.mine[data-status="queued"]', { hasText: t }).waitFor();
    expect(await page.locator('#outbox').innerText()).toBe('3 messages waiting for the connection');
    expect(chat.order).toEqual([]);
    await context.setOffline(false);
    for (const t of texts) await page.locator('li.mine[data-status="echoed"]', { hasText: t }).waitFor();
    expect(chat.order).toEqual(texts);
    expect(await page.locator('#outbox').innerText()).toBe('');
    expect(errors).toEqual([]);
  });

  it('a reload in the middle of calls: one running on the server, two in the outbox; each runs once and is shown', async () => {
    const context = await newContext();
    const { page, errors } = await newPage(context);
    await join(page, 'Rita');
    let release!: () => void;
    chat.state.gate = new Promise<void>((r) => (release = r));
    const running = `running ${stamp}`;
    await send(page, running);
    await page.locator('li.mine[data-status="received"]', { hasText: running }).waitFor();
    // The server goes into maintenance: connections are closed, new ones refused (1013, a longer wait).
    chat.state.refuse = 'unavailable';
    for (const conn of [...internals(chat.server).connections]) conn.close(1001, 'maintenance');
    await page.locator('#state[data-state="reconnecting"][data-close="unavailable"]').waitFor();
    const queued = [`queued a ${stamp}`, `queued b ${stamp}`];
    for (const t of queued) await send(page, t);
    for (const t of queued) await page.locator('li.mine[data-status="queued"]', { hasText: t }).waitFor();
    await until(async () => (await storedCalls(page)) === 3, 'three calls in IndexedDB');

    await page.reload();
    // The page joins again by itself and shows the three calls as recovered, waiting on a refused server.
    for (const t of [running, ...queued]) await page.locator('li.mine', { hasText: t }).waitFor();
    expect(await page.locator('li.mine', { hasText: running }).locator('.receipt').innerText()).toMatch(/^recovered after reload/);
    await page.locator('#state[data-state="reconnecting"][data-close="unavailable"]').waitFor();
    expect(await page.locator('#state').innerText()).toMatch(/^reconnecting in \d+ s: the server is at capacity$/);
    chat.state.refuse = 'none';
    await page.click('#retry');
    await page.locator('#state[data-state="open"]').waitFor();
    expect(await page.locator('#session').innerText()).toMatch(/^resumed session /);
    // All three reach the server; the handlers wait at the gate (the first one since before the reload).
    for (const t of queued) await page.locator('li.mine[data-status="received"]', { hasText: t }).waitFor();
    await until(() => queued.every((t) => chat.runs.get(t) === 1), 'the queued calls running');
    release();
    for (const t of [running, ...queued]) await page.locator('li.mine[data-status="stored"], li.mine[data-status="echoed"]', { hasText: t }).waitFor();
    for (const t of [running, ...queued]) expect(chat.runs.get(t), t).toBe(1);
    await until(async () => (await storedCalls(page)) === 0, 'IndexedDB emptied');
    expect(await page.locator('li[data-status="failed"]').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  it('two tabs: a session each, none stolen, nothing run twice, and a reload keeps its own', async () => {
    const context = await newContext();
    const one = await newPage(context);
    await join(one.page, 'Tabby');
    const two = await newPage(context);
    await join(two.page, 'Tabby');
    const sessionOne = await one.page.locator('#session').innerText();
    const sessionTwo = await two.page.locator('#session').innerText();
    expect(sessionOne).toMatch(/^new session /);
    expect(sessionTwo.slice(-8)).not.toBe(sessionOne.slice(-8));
    const [a, b] = [`from tab one ${stamp}`, `from tab two ${stamp}`];
    await send(one.page, a);
    await send(two.page, b);
    await one.page.locator('li.mine[data-status="echoed"]', { hasText: a }).waitFor();
    await two.page.locator('li.mine[data-status="echoed"]', { hasText: b }).waitFor();
    await one.page.reload();
    await one.page.locator('#state[data-state="open"]').waitFor();
    expect(await one.page.locator('#session').innerText()).toBe(`resumed session ${sessionOne.slice(-8)}`);
    const c = `after reload ${stamp}`;
    await send(one.page, c);
    await one.page.locator('li.mine[data-status="echoed"]', { hasText: c }).waitFor();
    // Tab two was never replaced: still open, same session.
    expect(await two.page.locator('#state').getAttribute('data-state')).toBe('open');
    expect(await two.page.locator('#state').getAttribute('data-close')).toBe('');
    expect(await two.page.locator('#session').innerText()).toBe(sessionTwo);
    for (const t of [a, b, c]) expect(chat.runs.get(t), t).toBe(1);
    expect([...one.errors, ...two.errors]).toEqual([]);
  });

  it('a duplicated tab (a copy of the sessionStorage) finds the slot locked and takes a session of its own', async () => {
    const context = await newContext();
    const one = await newPage(context);
    await join(one.page, 'Dup');
    const slot = await one.page.evaluate(() => sessionStorage.getItem('ackwire-slot:chat'));
    expect(slot).toBeTruthy();
    const copy = await newPage(context);
    await copy.page.evaluate((s) => sessionStorage.setItem('ackwire-slot:chat', s!), slot);
    await join(copy.page, 'Dup');
    expect(await copy.page.evaluate(() => sessionStorage.getItem('ackwire-slot:chat'))).not.toBe(slot);
    expect((await copy.page.locator('#session').innerText()).slice(-8)).not.toBe((await one.page.locator('#session').innerText()).slice(-8));
    const text = `from the copy ${stamp}`;
    await send(copy.page, text);
    await copy.page.locator('li.mine[data-status="echoed"]', { hasText: text }).waitFor();
    expect(await one.page.locator('#state').getAttribute('data-state')).toBe('open');
    expect(await one.page.locator('#state').getAttribute('data-close')).toBe('');
    expect(chat.runs.get(text)).toBe(1);
  });

  it('a closed tab with a message in its outbox: the next tab adopts its slot and the message runs once', async () => {
    const context = await newContext();
    const gone = await newPage(context);
    await join(gone.page, 'Closer');
    chat.state.refuse = 'unavailable';
    for (const conn of [...internals(chat.server).connections]) conn.close(1001, 'maintenance');
    await gone.page.locator('#state[data-state="reconnecting"]').waitFor();
    const text = `left behind ${stamp}`;
    await send(gone.page, text);
    await gone.page.locator('li.mine[data-status="queued"]', { hasText: text }).waitFor();
    // Only the message's call counts: the room's history query may be in flight at the cut, and then waits
    // in storage beside it.
    await until(async () => (await storedCalls(gone.page, 'chat.send')) === 1, 'the call in IndexedDB');
    await gone.page.close();

    const next = await newPage(context);
    await join(next.page, 'Closer', 'any');
    await next.page.locator('li.mine', { hasText: text }).waitFor();
    chat.state.refuse = 'none';
    await next.page.click('#retry');
    await next.page.locator('#state[data-state="open"]').waitFor();
    expect(await next.page.locator('#session').innerText()).toMatch(/^resumed session /);
    await next.page.locator('li.mine[data-status="echoed"]', { hasText: text }).waitFor();
    expect(chat.runs.get(text)).toBe(1);
    expect(next.errors).toEqual([]);
  });

  it('bad credentials: the reason is shown and there is no second attempt', async () => {
    chat.state.refuse = 'unauthorized';
    const { page } = await newPage(await newContext());
    await join(page, 'Mallory', 'any');
    await page.locator('#state[data-state="closed"]').waitFor();
    const stopped = await page.locator('#stopped').innerText();
    expect(stopped).toBe('Disconnected: you are not signed in (Invite expired)');
    expect(chat.state.upgrades).toBe(1);
    await page.waitForTimeout(500);
    expect(chat.state.upgrades).toBe(1);
  });

  it('rate limited: the reason is shown and the next attempt waits seconds, not the usual backoff', async () => {
    chat.state.refuse = 'busy';
    const { page } = await newPage(await newContext());
    await join(page, 'Busy', 'any');
    await page.locator('#state[data-state="reconnecting"][data-close="rate-limited"]').waitFor();
    expect(await page.locator('#state').innerText()).toMatch(/^reconnecting in \d+ s: the server is busy/);
    const retryAt = Number(await page.locator('#state').getAttribute('data-retry-at'));
    // The wait after a load refusal is from the upper half of maxDelayMs (5 to 10 s by default).
    expect(retryAt - Date.now()).toBeGreaterThan(1_500);
    expect(chat.state.upgrades).toBe(1);
  });
});

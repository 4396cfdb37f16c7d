/**
 * The chat example end to end: the root build, the example server on a free port, and real Chromium pages
 * sending and receiving through the browser bundle of @ackwire/client.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

/** Debian's chromium; CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVER_MAIN = `${ROOT}examples/chat/server/dist/main.js`;
const BUNDLE = `${ROOT}examples/chat/web/dist/app.js`;

const missing = !existsSync(CHROMIUM);
const skip = missing && !process.env.CI;
if (skip) {
  const bar = '!'.repeat(78);
  console.warn(`\n${bar}\n!! SKIPPED test/e2e/chat.browser.test.ts: no Chromium at ${CHROMIUM}.\n!! Install it (apt-get install -y chromium) to run the browser tests. In CI (CI set) this fails.\n${bar}\n`);
}

let server: ChildProcess | undefined;
let browser: Browser | undefined;
let port = 0;
let base = '';
const contexts: BrowserContext[] = [];
const stamp = Date.now().toString(36);

/** Start the built example server (on a free port by default); resolves once it printed its URL. */
function startServer(port = 0): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [SERVER_MAIN], { cwd: ROOT, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error('the chat server printed no URL within 10 s')), 10_000);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${err.message}\n${out}`));
    };
    const onData = (chunk: Buffer): void => {
      out += chunk.toString();
      const match = /http:\/\/localhost:(\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]) });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => fail(new Error(`the chat server exited with ${code}`)));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

interface ChatPage {
  page: Page;
  /** Uncaught exceptions and console errors seen on the page. */
  errors: string[];
}

/** A fresh browser context (own storage) on the chat page. */
async function openPage(): Promise<ChatPage> {
  const context = await browser!.newContext();
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  await page.goto(base);
  return { page, errors };
}

/** Join under `name` and wait until the connection is open and #general is live. */
async function join(name: string): Promise<ChatPage> {
  const chat = await openPage();
  await chat.page.fill('#name', name);
  await chat.page.click('#join button');
  await chat.page.locator('#state[data-state="open"]').waitFor();
  await chat.page.locator('#room-state[data-room="general"][data-state="live"]').waitFor();
  return chat;
}

async function send(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

/** Switch rooms and wait until the new room's subscription has started. */
async function enterRoom(page: Page, room: string): Promise<void> {
  await page.selectOption('#room', room);
  await page.locator(`#room-state[data-room="${room}"][data-state="live"]`).waitFor();
}

describe.skipIf(skip)('chat example in Chromium', { timeout: 30_000 }, () => {
  beforeAll(async () => {
    if (missing) throw new Error(`CI needs Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
    // The root build: packages, then the contract, the web bundle and the server.
    await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    const started = await startServer();
    server = started.child;
    port = started.port;
    base = `http://127.0.0.1:${port}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  }, 240_000);

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
  });

  afterAll(async () => {
    await browser?.close();
    if (server) await stopServer(server);
  });

  it('delivers a message sent from one page to every page in the room, with its receipts and a Date', async () => {
    const alice = await join('Alice');
    const bob = await join('Bob');
    const text = `hello from Alice ${stamp}`;
    const before = Date.now();
    await send(alice.page, text);

    // The sender's line walks through its receipts and ends echoed by the room's subscription.
    const mine = alice.page.locator('li.mine[data-status="echoed"]', { hasText: text });
    await mine.waitFor();
    const id = await mine.getAttribute('data-id');
    expect(id).toMatch(/^\d+$/);
    const receipt = await mine.locator('.receipt').innerText();
    expect(receipt).toMatch(new RegExp(`^sent → received by server · \\d+ ms → stored as #${id} · \\d+ ms → echoed to #general · \\d+ ms$`));

    // The other page got it as a subscription event: same id, author, text and instant.
    const theirs = bob.page.locator(`li[data-id="${id}"]`);
    await theirs.waitFor();
    expect(await theirs.locator('.author').innerText()).toBe('Alice');
    expect(await theirs.locator('.text').innerText()).toBe(text);
    expect(await theirs.getAttribute('class')).toBeNull();
    const iso = await theirs.locator('time').getAttribute('datetime');
    expect(iso).toBe(await mine.locator('time').getAttribute('datetime'));
    const at = Date.parse(iso!);
    expect(at).toBeGreaterThanOrEqual(before - 1_000);
    expect(at).toBeLessThanOrEqual(Date.now() + 1_000);
    // Rendered from a Date on the page (toLocaleTimeString), not copied from a string.
    const shown = await theirs.locator('time').innerText();
    expect(shown).toMatch(/\d{1,2}:\d{2}:\d{2}/);
    expect(shown).toBe(await bob.page.evaluate((s) => new Date(s).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }), iso!));

    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  it('keeps rooms apart, and shows a room its history on entering', async () => {
    const alice = await join('Alice');
    const bob = await join('Bob');
    await enterRoom(alice.page, 'help');
    const text = `question in help ${stamp}`;
    await send(alice.page, text);
    await alice.page.locator('li.mine[data-status="echoed"]', { hasText: text }).waitFor();

    // Bob, still in #general, sees his own message come back, and not the one posted to #help.
    const own = `still in general ${stamp}`;
    await send(bob.page, own);
    await bob.page.locator('li.mine[data-status="echoed"]', { hasText: own }).waitFor();
    expect(await bob.page.locator('#messages li', { hasText: text }).count()).toBe(0);

    // Entering #help loads its history, Date included.
    await enterRoom(bob.page, 'help');
    const past = bob.page.locator('#messages li', { hasText: text });
    await past.waitFor();
    expect(await past.locator('.author').innerText()).toBe('Alice');
    expect(Number.isNaN(Date.parse((await past.locator('time').getAttribute('datetime'))!))).toBe(false);
    expect(await bob.page.locator('#messages li', { hasText: own }).count()).toBe(0);

    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  });

  it('refuses a connection whose params fail the schema', async () => {
    const { page } = await openPage();
    // The page's input stops at 32 characters; the server's params schema is what must refuse 40.
    await page.locator('#name').evaluate((input) => input.removeAttribute('maxlength'));
    await page.fill('#name', 'x'.repeat(40));
    await page.click('#join button');
    await page.locator('#state[data-state="closed"]').waitFor();
    // The server answers with the schema's issues, and the page shows which field failed.
    const stopped = await page.locator('#stopped').innerText();
    expect(stopped).toContain('Invalid connection params: name:');
    expect(stopped).not.toMatch(/\(\d{4}\)/); // no close code shown to the user
  });

  it('refuses WebSocket connections from pages of another origin', async () => {
    // Another site: a blank page on another port of 127.0.0.1.
    const elsewhere = createHttpServer((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>elsewhere</title>'));
    await new Promise<void>((resolve) => elsewhere.listen(0, '127.0.0.1', resolve));
    try {
      // What a page's socket sees: the protocol selected, the frames, and the close; `hello` sends a hello.
      const open = (page: Page, hello: boolean): Promise<string> =>
        page.evaluate(
          ([url, hello]) =>
            new Promise<string>((resolve) => {
              const ws = new WebSocket(url, ['ackwire.v1.json', 'ackwire']);
              let frames = 0;
              let selected = '';
              ws.onopen = () => {
                selected = ws.protocol;
                if (hello) ws.send('[1,1,"x",null]');
                else {
                  resolve(`open ${ws.protocol}`);
                  ws.close();
                }
              };
              ws.onmessage = () => frames++;
              ws.onclose = (event) => resolve(`${selected || 'never opened'}; ${frames} frames; closed ${event.code} ${event.reason}`);
            }),
          [`ws://127.0.0.1:${port}/ws`, hello] as const,
        );
      const { page: foreign } = await openPage();
      await foreign.goto(`http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/`);
      // Refused in band: the token that carries no protocol, not one frame, and the reason.
      expect(await open(foreign, true)).toBe('ackwire; 0 frames; closed 4403 Origin not allowed');
      const { page: own } = await openPage();
      expect(await open(own, false)).toBe('open ackwire.v1.json');
    } finally {
      elsewhere.closeAllConnections();
      await new Promise((resolve) => elsewhere.close(resolve));
    }
  });

  it('queues a message while the server is down, sends it once it is back, and reports the lost events', async () => {
    const alice = await join('Alice');
    const bob = await join('Bob');
    await stopServer(server!);
    await alice.page.locator('#state[data-state="reconnecting"]').waitFor();
    // The user is told why in words, never with a raw close code.
    expect(await alice.page.locator('#state').innerText()).not.toMatch(/\(?\b1006\b|\b1001\b/);

    const text = `typed while the server was down ${stamp}`;
    await send(alice.page, text);
    const mine = alice.page.locator('li.mine', { hasText: text });
    expect(await mine.getAttribute('data-status')).toBe('queued');
    expect(await mine.locator('.receipt').innerText()).toBe('queued until reconnected');

    server = (await startServer(port)).child;
    // A new server process: new sessions, and the rooms' event history is gone, which each page is told
    // (a gap) and answers by reloading the room; the notice goes once the room is reloaded.
    for (const { page } of [alice, bob]) {
      await page.locator('#state[data-state="open"]').waitFor({ timeout: 20_000 });
      await page.locator('#room-body[data-gaps="1"]').waitFor({ timeout: 20_000 });
      await page.locator('#notice').waitFor({ state: 'detached' });
      expect(await page.locator('#session').innerText()).toMatch(/^new session /);
    }
    // The queued call went out in the new session: stored once, then shown on the other page.
    await alice.page.locator('li.mine[data-status="stored"], li.mine[data-status="echoed"]', { hasText: text }).waitFor();
    expect(await mine.locator('.receipt').innerText()).toMatch(/^queued until reconnected → received by server · \d+ ms → stored as #1 · \d+ ms/);
    await bob.page.locator('#messages li[data-id="1"]', { hasText: text }).waitFor();
    expect(await bob.page.locator('#messages li', { hasText: text }).count()).toBe(1);
  }, 60_000);

  it('bundles the browser client without ws or server code', () => {
    const bundle = readFileSync(BUNDLE, 'utf8');
    expect(bundle).toContain('ackwire.v1');
    // ws's handshake GUID, its server class, and a string of the Ackwire server core.
    expect(bundle).not.toContain('258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
    expect(bundle).not.toContain('WebSocketServer');
    expect(bundle).not.toContain('session resumed by another connection');
  });
});

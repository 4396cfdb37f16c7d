// One hostile client, run in its own process by bystander.test.ts so that its own work does not load the
// process being measured. For a bounded time it replays, bursts, floods and holds early frames:
//   node attacker.mjs <url> <fingerprint> <epoch> <durationMs>
// It speaks ackwire.v1.json by hand (plain JavaScript and `ws`, no build step).
import WebSocket from 'ws';

const [url, fingerprint, epoch, durationArg] = process.argv.slice(2);
const until = Date.now() + Number(durationArg);
const sockets = new Set();
const running = () => Date.now() < until;
const later = (ms) => new Promise((r) => setTimeout(r, ms));

function open(params) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ['ackwire.v1.json']);
    sockets.add(ws);
    ws.on('error', () => undefined);
    ws.on('close', () => sockets.delete(ws));
    ws.on('open', () => {
      ws.send(JSON.stringify([1, 1, fingerprint, params]));
      resolve(ws);
    });
  });
}

/** Write many frames in one TCP write. */
function burst(ws, frames) {
  const socket = ws._socket;
  socket.cork();
  for (const f of frames) ws.send(f);
  socket.uncork();
}

const history = { room: 'history' };
let nextId = 1;

async function replayer() {
  while (running()) {
    const ws = await open(null);
    // 16 subscribes asking for the whole retained history, then unsubscribe + subscribe again and again.
    const ids = [];
    for (let i = 0; i < 16; i++) ids.push(nextId++);
    burst(ws, ids.map((id) => JSON.stringify([7, id, 'chat.messages', history, null, [epoch, 0]])));
    while (running() && ws.readyState === WebSocket.OPEN) {
      await later(200);
      const again = ids.splice(0, 4);
      const fresh = again.map(() => nextId++);
      ids.push(...fresh);
      burst(ws, [...again.map((id) => JSON.stringify([10, id])), ...fresh.map((id) => JSON.stringify([7, id, 'chat.messages', history, null, [epoch, 0]]))]);
    }
    ws.terminate();
  }
}

async function burster() {
  const pings = Array.from({ length: 20_000 }, () => '[14]');
  while (running()) {
    const ws = await open(null);
    while (running() && ws.readyState === WebSocket.OPEN) {
      burst(ws, pings);
      await later(1_000);
    }
    ws.terminate();
  }
}

async function flooder() {
  while (running()) {
    const ws = await open(null);
    let id = 1;
    while (running() && ws.readyState === WebSocket.OPEN) {
      // 10,000 calls a second: within the rate limit, as a busy but legitimate client may be.
      if (ws.bufferedAmount < 1 << 20) burst(ws, Array.from({ length: 200 }, () => JSON.stringify([3, id++, 'math.add', { a: 1, b: 2 }])));
      await later(20);
    }
    ws.terminate();
  }
}

async function earlyHolder() {
  const big = JSON.stringify([3, 1, 'math.add', { a: 1, b: 2 }]) + ' '.repeat(256 * 1024);
  while (running()) {
    const ws = await open({ slow: true });
    burst(ws, Array.from({ length: 16 }, () => big));
    await later(700);
    ws.terminate();
  }
}

const all = { replayer, burster, flooder, earlyHolder };
const chosen = process.env.ATTACK ? process.env.ATTACK.split(',') : Object.keys(all);
await Promise.all(chosen.map((name) => all[name]()));
for (const ws of sockets) ws.terminate();
process.exit(0);

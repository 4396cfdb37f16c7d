// Well-behaved clients, run in their own process by bystander.test.ts so that the process being measured is
// the server alone. Three callers make paced calls, one subscriber counts live events; the parent says when
// a window starts ('baseline' or 'attack'; they alternate) and when to report ('report'), and gets the
// latencies of each window.
//   node bystanders.mjs <url> <fingerprint>      (IPC with the parent)
// It speaks ackwire.v1.json by hand (plain JavaScript and `ws`, no build step), acknowledging as it should.
import WebSocket from 'ws';

const [url, fingerprint] = process.argv.slice(2);
/** The windows so far, the current one last: { phase, latencies, events }. */
const windows = [];
let current;
let stopped = false;

function connect() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, ['ackwire.v1.json']);
    ws.on('error', reject);
    ws.on('open', () => {
      ws.send(JSON.stringify([1, 1, fingerprint, null]));
      ws.once('message', () => resolve(ws)); // the welcome
    });
  });
}

async function caller() {
  const ws = await connect();
  let id = 0;
  let waiting;
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame[0] === 5 || frame[0] === 6) waiting?.(frame);
  });
  while (!stopped) {
    const at = current;
    const callId = ++id;
    const start = performance.now();
    const answered = new Promise((r) => (waiting = r));
    ws.send(JSON.stringify([3, callId, 'math.add', { a: 1, b: 2 }]));
    const frame = await answered;
    if (frame[0] !== 5) throw new Error(`call failed: ${JSON.stringify(frame)}`);
    if (at !== undefined && at === current) at.latencies.push(performance.now() - start);
    ws.send(JSON.stringify([12, callId + 1])); // every outcome so far is here
    await new Promise((r) => setTimeout(r, 5));
  }
  ws.close();
}

async function subscriber() {
  const ws = await connect();
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame[0] === 9 && current) current.events++;
  });
  ws.send(JSON.stringify([7, 1, 'chat.messages', { room: 'live' }]));
  return ws;
}

const p99 = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(s.length * 0.99))];
};

const sub = await subscriber();
const callers = [caller(), caller(), caller()];
process.on('message', async (msg) => {
  if (msg === 'baseline' || msg === 'attack') windows.push((current = { phase: msg, latencies: [], events: 0 }));
  if (msg === 'report') {
    current = undefined;
    stopped = true;
    await Promise.all(callers);
    sub.close();
    process.send(windows.map((w) => ({ phase: w.phase, p99: p99(w.latencies), calls: w.latencies.length, events: w.events, all: w.latencies })));
    setTimeout(() => process.exit(0), 50);
  }
});
process.send('ready');

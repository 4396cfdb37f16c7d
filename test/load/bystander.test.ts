/**
 * Bystanders: well-behaved clients keep calling and receiving events while one hostile client replays whole
 * histories over and over, bursts 20,000 pings in one write, floods calls and holds large frames before its
 * welcome. Their p99 call latency stays within 3x the baseline measured in the same test or 25 ms,
 * whichever is larger, and the server's event loop never stalls for more than 100 ms. The clients run in
 * child processes (bystanders.mjs, attacker.mjs), so that this process is the server alone and its event
 * loop is what is measured; the attacker runs at the lowest CPU priority, so that what it spends building
 * its frames is not taken from the server or the bystanders (its frames reach the server all the same, and
 * the server's CPU under attack is checked to be several times its baseline).
 *
 * On a 2-core machine busy with other suites, the machine's own hiccups are the noise: baseline and attack
 * windows of 1 s alternate so that the load at the time weighs on both alike, each window has its own p99,
 * and the claim compares the median attack window with the median baseline window (every window's p99 and
 * the pooled ones are printed), so that one descheduling of this process does not decide the result.
 *
 * A stall is the event loop's delay (perf_hooks.monitorEventLoopDelay, printed) while the process was
 * working: on a machine busy with other suites the loop is also late when the process simply does not get
 * a CPU, which says nothing about the server. So the assertion is on the longest delay during which the
 * process used about as much CPU time as the delay lasted (process.cpuUsage, sampled every 10 ms; CPU time
 * of other threads, such as the GC's helpers, only makes it stricter).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { useHarness } from '../helpers/harness.js';
import { api, makeServer } from '../helpers/fixtures.js';

const h = useHarness();
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const WINDOW_MS = 1_000;
/** Attack windows; one baseline window more, before each and after the last. */
const WINDOWS = 4;

interface Window {
  phase: 'baseline' | 'attack';
  p99: number;
  calls: number;
  events: number;
  /** Every latency of the window, ms. */
  all: number[];
}

const p99 = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!;
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function child(file: string, args: string[]): ChildProcess {
  const c = fork(here(file), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  h.defer(() => void c.kill('SIGKILL'));
  return c;
}

function next<T>(c: ChildProcess, what: string, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} from the child within ${ms} ms`)), ms);
    c.once('message', (m) => {
      clearTimeout(timer);
      resolve(m as T);
    });
    c.once('exit', (code) => reject(new Error(`the child exited (${code}) before its ${what}`)));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The longest event-loop delay spent working (see the header), over 10 ms ticks. */
function busyStalls() {
  const cpuMs = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let wall = performance.now();
  let cpu = cpuMs();
  let worst = 0;
  const timer = setInterval(() => {
    const nowWall = performance.now();
    const nowCpu = cpuMs();
    worst = Math.max(worst, Math.min(nowWall - wall - 10, nowCpu - cpu));
    wall = nowWall;
    cpu = nowCpu;
  }, 10);
  return {
    reset: () => void (worst = 0),
    get worst() {
      return worst;
    },
    stop: () => clearInterval(timer),
  };
}

it('well-behaved clients do not notice one connection replaying, bursting, flooding and holding early frames', async () => {
  const server = makeServer({
    // The attacker's early frames wait behind a slow context.
    context: ({ params }) =>
      (params as { slow?: boolean } | null)?.slow ? new Promise((r) => setTimeout(() => r({ user: 'slow' }), 2_000)) : { user: 'anon' },
  });
  const { url } = await h.listen(server);
  let head = { epoch: '', offset: 0 };
  for (let i = 1; i <= 5_000; i++) head = await server.publish(api.chat.messages, { room: 'history' }, { id: i, room: 'history', text: 'old news', at: new Date(0) });
  const feed = setInterval(() => void server.publish(api.chat.messages, { room: 'live' }, { id: 0, room: 'live', text: 'now', at: new Date() }), 20);
  h.defer(() => clearInterval(feed));

  const bystanders = child('./bystanders.mjs', [url, server.fingerprint]);
  await next(bystanders, 'ready');
  await sleep(300); // warm up
  const loop = monitorEventLoopDelay({ resolution: 10 });
  const busy = busyStalls();
  h.defer(() => busy.stop());
  loop.enable();
  const stalls = { baseline: 0, attack: 0 };
  const working = { baseline: 0, attack: 0 };
  const serverCpuMs = { baseline: 0, attack: 0 };
  // Baseline and attack windows alternate, so that the machine's load (other suites) weighs on both alike.
  const window = async (phase: 'baseline' | 'attack'): Promise<void> => {
    loop.reset();
    busy.reset();
    const cpu0 = process.cpuUsage();
    bystanders.send(phase);
    if (phase === 'baseline') await sleep(WINDOW_MS);
    else {
      const attacker = child('./attacker.mjs', [url, server.fingerprint, head.epoch, String(WINDOW_MS)]);
      // What the attacking client itself spends (framing 20,000 pings, say) is not the server's doing: at the
      // lowest priority it takes no CPU the server and the bystanders want, and its frames still arrive.
      try {
        if (attacker.pid !== undefined) setPriority(attacker.pid, 19);
      } catch {
        // Not allowed here: it competes at normal priority, which only makes the check stricter.
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, WINDOW_MS + 5_000);
        attacker.once('exit', () => (clearTimeout(timer), resolve()));
      });
    }
    const cpu = process.cpuUsage(cpu0);
    serverCpuMs[phase] += (cpu.user + cpu.system) / 1000;
    stalls[phase] = Math.max(stalls[phase], loop.max / 1e6);
    working[phase] = Math.max(working[phase], busy.worst);
  };
  for (let w = 0; w < WINDOWS; w++) {
    await window('baseline');
    await window('attack');
  }
  await window('baseline');
  loop.disable();
  busy.stop();
  const reported = next<Window[]>(bystanders, 'report');
  bystanders.send('report');
  const windows = await reported;
  const of = (phase: string) => windows.filter((w) => w.phase === phase);
  const pooled = (phase: string) => {
    const ws = of(phase);
    return { p99: p99(ws.flatMap((w) => w.all)), calls: ws.reduce((n, w) => n + w.calls, 0), events: ws.reduce((n, w) => n + w.events, 0) };
  };
  const baseline = pooled('baseline');
  const attack = pooled('attack');
  // One scheduling hiccup of the machine (other suites) lands in one window; the median window is the claim.
  const baselineP99 = median(of('baseline').map((w) => w.p99));
  const attackP99 = median(of('attack').map((w) => w.p99));
  const perWindow = (phase: string) => of(phase).map((w) => w.p99.toFixed(1)).join(', ');
  const report =
    `baseline: median window p99 ${baselineP99.toFixed(1)} ms [${perWindow('baseline')}], pooled ${baseline.p99.toFixed(1)} ms (${baseline.calls} calls, ${baseline.events} events), ` +
    `event-loop delay max ${stalls.baseline.toFixed(0)} ms (working ${working.baseline.toFixed(0)} ms), server CPU ${serverCpuMs.baseline.toFixed(0)} ms; ` +
    `under attack: median window p99 ${attackP99.toFixed(1)} ms [${perWindow('attack')}], pooled ${attack.p99.toFixed(1)} ms (${attack.calls} calls, ${attack.events} events), ` +
    `event-loop delay max ${stalls.attack.toFixed(0)} ms (working ${working.attack.toFixed(0)} ms), server CPU ${serverCpuMs.attack.toFixed(0)} ms`;
  console.log(`bystanders: ${report}`);
  // The attack did reach the server: it worked several times as hard as for the bystanders alone.
  expect(serverCpuMs.attack, report).toBeGreaterThan(2 * serverCpuMs.baseline);
  expect(attack.calls, report).toBeGreaterThan(50);
  expect(attack.events, report).toBeGreaterThan((WINDOWS * WINDOW_MS) / 20 / 2);
  expect(attackP99, report).toBeLessThanOrEqual(Math.max(3 * baselineP99, 25));
  expect(working.attack, report).toBeLessThanOrEqual(100);
}, 40_000);

/**
 * Workload G, the load side: open `clients` clients, each with two subscriptions; start `callsPerClient`
 * calls on each (the server holds them); after the cut, wait until every client is back and its calls have
 * settled; then, given the server's publish log, work out when each client had caught up and what was lost.
 */
import { Samples, cpuSince, sleep, wallNow } from '../stats.js';
import type { StormClient, StormConnection } from './contract.js';
import { ClientTrack } from './tracker.js';

export interface StormParams {
  clients: number;
  callsPerClient: number;
  batch: number;
  /** One event on each topic every this many ms, all through the run. */
  publishIntervalMs: number;
  /** After the last client is back, how long calls still unanswered are waited for. */
  settleMs: number;
  /** Bound on the whole recovery. */
  deadlineMs: number;
}

export interface StormResult {
  /** Time from the cut until each client was back, had the results of its calls and every event published
   * before it came back (ms): p50, p99, max over clients. Calls or events that never arrive are counted as
   * lost, not waited for. */
  recoveredP50Ms: number;
  recoveredP99Ms: number;
  recoveredMaxMs: number;
  /** Time from the cut until the connection was back (its own signal). */
  backP50Ms: number;
  backMaxMs: number;
  clientsBack: number;
  /** Clients with an event or a call missing (their time counts what did arrive). */
  notRecovered: number;
  notResumed: number;
  gaps: number;
  lostEvents: number;
  duplicateEvents: number;
  malformedEvents: number;
  callsMade: number;
  /** Calls that never returned or failed. */
  lostCalls: number;
  mismatchedCalls: number;
}

export class StormRun {
  private readonly tracks: ClientTrack[] = [];
  private readonly conns: StormConnection[] = [];
  private cutAt = NaN;

  constructor(
    private readonly client: StormClient,
    private readonly url: string,
  ) {}

  async open(p: StormParams): Promise<{ opened: number; failed: number; ms: number }> {
    const t0 = performance.now();
    let failed = 0;
    for (let i = 0; i < p.clients; i += p.batch) {
      const n = Math.min(p.batch, p.clients - i);
      await Promise.all(
        Array.from({ length: n }, async () => {
          const track = new ClientTrack();
          const conn = this.client.open(this.url, {
            event: (topic, event) => track.topics[topic]!.add(event, wallNow()),
            back: (resumed) => {
              if (Number.isNaN(track.backAt)) track.backAt = wallNow();
              if (!resumed) track.notResumed = true;
            },
            gap: () => track.gaps++,
          });
          try {
            await conn.started;
            this.tracks.push(track);
            this.conns.push(conn);
          } catch (err) {
            if (++failed <= 3) console.error(`[storm load] subscribe failed: ${String(err)}`);
            conn.close();
          }
        }),
      );
    }
    return { opened: this.conns.length, failed, ms: performance.now() - t0 };
  }

  /** Close every client (the load process simply exits; tests close them). */
  close(): void {
    for (const conn of this.conns.splice(0)) conn.close();
  }

  /** Start the calls (they stay in flight: the server holds them until the cut). */
  startCalls(perClient: number): number {
    this.conns.forEach((conn, i) => {
      const track = this.tracks[i]!;
      for (let k = 0; k < perClient; k++) {
        const key = `${i}:${k}`;
        track.calls++;
        const done = (ok: boolean, match: boolean) => {
          if (!ok) track.failed++;
          else if (!match) track.mismatched++;
          track.settled++;
          track.callsDoneAt = wallNow();
        };
        conn.call(key).then(
          (out) => done(true, (out as { key?: unknown } | null)?.key === key),
          () => done(false, false),
        );
      }
    });
    return this.tracks.length * perClient;
  }

  /** The cut happened at `at`: wait until every client is back with its calls settled, or `settleMs` after
   * the last came back (calls a system lost never settle), or the deadline. `onAllBack` runs when the last
   * client is back (or at the deadline); its answer is returned as `atAllBack`. */
  async awaitRecovery(
    at: number,
    p: StormParams,
    onAllBack: () => Promise<unknown> = async () => undefined,
  ): Promise<{ back: number; settled: boolean; cpuUs: number; atAllBack: unknown }> {
    this.cutAt = at;
    const cpu0 = process.cpuUsage();
    const deadline = Date.now() + p.deadlineMs;
    let allBackAt: number | undefined;
    /** The load process's CPU from the cut until the last client was back. */
    let cpuUs = NaN;
    let atAllBack: unknown;
    for (;;) {
      const back = this.tracks.filter((t) => !Number.isNaN(t.backAt)).length;
      const settled = this.tracks.every((t) => t.settled === t.calls);
      if (back === this.tracks.length && allBackAt === undefined) {
        allBackAt = Date.now();
        cpuUs = cpuSince(cpu0);
        atAllBack = await onAllBack();
      }
      if (allBackAt !== undefined && (settled || Date.now() - allBackAt > p.settleMs)) return { back, settled, cpuUs, atAllBack };
      if (Date.now() > deadline) return { back, settled, cpuUs: Number.isNaN(cpuUs) ? cpuSince(cpu0) : cpuUs, atAllBack: atAllBack ?? (await onAllBack()) };
      await sleep(20);
    }
  }

  /** Everything published (`log[i]` is the publish time of seq i + 1) has had time to arrive. */
  collect(log: readonly number[]): StormResult {
    const last = log.length;
    /** The highest seq published at or before `t`. */
    const publishedBy = (t: number): number => {
      let lo = 0;
      let hi = log.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (log[mid]! <= t) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    };
    const recovered = new Samples();
    const back = new Samples();
    let notRecovered = 0;
    const r: StormResult = {
      recoveredP50Ms: NaN,
      recoveredP99Ms: NaN,
      recoveredMaxMs: NaN,
      backP50Ms: NaN,
      backMaxMs: NaN,
      clientsBack: 0,
      notRecovered: 0,
      notResumed: 0,
      gaps: 0,
      lostEvents: 0,
      duplicateEvents: 0,
      malformedEvents: 0,
      callsMade: 0,
      lostCalls: 0,
      mismatchedCalls: 0,
    };
    let maxRecovered = -Infinity;
    let maxBack = -Infinity;
    for (const t of this.tracks) {
      r.callsMade += t.calls;
      r.lostCalls += t.calls - t.settled + t.failed;
      r.mismatchedCalls += t.mismatched;
      r.gaps += t.gaps;
      if (t.notResumed) r.notResumed++;
      for (const topic of t.topics) {
        r.lostEvents += topic.lostUpTo(last);
        r.duplicateEvents += topic.duplicates;
        r.malformedEvents += topic.malformed;
      }
      if (Number.isNaN(t.backAt)) {
        notRecovered++;
        continue;
      }
      r.clientsBack++;
      back.add(t.backAt - this.cutAt);
      maxBack = Math.max(maxBack, t.backAt - this.cutAt);
      const due = publishedBy(t.backAt);
      // What arrived counts for the time; what never arrived counts as lost (and the client as not caught up).
      const reached = t.topics.map((topic) => topic.reached(due)).filter((x) => !Number.isNaN(x));
      const caughtUp = Math.max(t.backAt, Number.isNaN(t.callsDoneAt) ? -Infinity : t.callsDoneAt, ...reached);
      if (reached.length < t.topics.length || t.settled < t.calls || t.failed > 0) notRecovered++;
      recovered.add(caughtUp - this.cutAt);
      maxRecovered = Math.max(maxRecovered, caughtUp - this.cutAt);
    }
    const rp = recovered.percentiles();
    const bp = back.percentiles();
    r.recoveredP50Ms = rp.p50;
    r.recoveredP99Ms = rp.p99;
    r.recoveredMaxMs = recovered.count > 0 ? maxRecovered : NaN;
    r.backP50Ms = bp.p50;
    r.backMaxMs = back.count > 0 ? maxBack : NaN;
    r.notRecovered = notRecovered;
    return r;
  }
}


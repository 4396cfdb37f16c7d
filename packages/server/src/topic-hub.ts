/**
 * The server's view of the topics its connections listen to. One broker listener per topic per process;
 * each event is encoded once per codec and the same bytes go to every member connection.
 */
import { codecs, encodeEvent, type Codec, type CodecName, type GapReason } from '@ackwire/core';
import { flushCorked } from '@ackwire/core/internal';
import type { Broker, BrokerEvent, Listening, ReadResult, TopicHead } from './broker.js';
import { currentTurn } from './event-loop-turn.js';
import { isPromise } from './is-promise.js';


/** What a member connection must offer the hub. */
export interface TopicMember {
  readonly codec: Codec;
  /** Send an encoded event frame of this topic. */
  deliver(topic: LocalTopic, offset: number, frame: Uint8Array): void;
  /** Bytes queued for sending, and the most the member may queue. */
  readonly buffered: number;
  readonly bufferLimit: number;
  /** False once the member is gone. */
  readonly alive: boolean;
  /** Too much is waiting for this member: close it as a slow consumer. */
  overflow(): void;
  /** The topic's history was lost while the member listened: end its subscriptions with an epoch gap. */
  historyLost(topic: LocalTopic): void;
}

interface Membership {
  subscriptions: number;
  /** While a join is replaying, live frames wait here so they follow the replay. */
  held: Array<{ offset: number; frame: Uint8Array }> | undefined;
  heldBytes: number;
  joining: number;
}

export class LocalTopic {
  readonly members = new Map<TopicMember, Membership>();
  head: TopicHead = { epoch: '', offset: 0 };
  /** The broker's listener once known; `listening` while the broker has not answered yet. */
  listened: Listening | undefined;
  listening: Promise<Listening> | undefined;

  constructor(
    readonly name: string,
    readonly ref: number,
  ) {}
}

export interface Joined {
  readonly topic: LocalTopic;
  readonly epoch: string;
  /** Events after this offset follow. */
  readonly offset: number;
  readonly gap: GapReason | null;
}

const encoder = new TextEncoder();
const never = (): boolean => false;

interface WaitingReplay {
  /** The subscription ended. */
  readonly gone: () => boolean;
  start(): void;
  /** The subscription left before its turn. */
  drop(): void;
}

/** Replayed events one member gets per turn of the event loop, all its replays together. */
const REPLAY_SLICE = 64;

/**
 * Live deliveries in one turn after which what the sockets hold is written out at once rather than at the
 * end of the turn, and the most deliveries between two such writes (the step doubles from the first).
 * A burst of publishes in one synchronous loop used to write nothing until the loop returned (1,000
 * subscribers x 200 events: the first event left after every delivery of the burst); now the first events
 * leave while the loop still runs, and a burst costs a handful of writes per socket, not one per event.
 */
const FIRST_FLUSH = 512;
const MAX_FLUSH_STEP = 65_536;

export class TopicHub {
  private readonly byName = new Map<string, LocalTopic>();
  private nextRef = 1;
  /** Replays waiting for the one a member has running: a member replays one subscription at a time. */
  private readonly replaying = new Map<TopicMember, WaitingReplay[]>();
  /** Replayed events per member in the current turn, across its replays. */
  private readonly budget = new WeakMap<TopicMember, { turn: number; used: number; tokens: number; at: number }>();
  /** Live deliveries in the current turn, and the count at which the sockets are written out next. */
  private liveTurn = -1;
  private live = 0;
  private flushAt = FIRST_FLUSH;

  /**
   * `maxReplayEvents`: the most events one subscribe replays (older ones are reported as a gap);
   * `replayPerSecond`: the rate at which one member is replayed to, all its replays together.
   */
  constructor(
    private readonly broker: Broker,
    private readonly maxReplayEvents = Infinity,
    private readonly replayPerSecond = Infinity,
  ) {}

  get size(): number {
    return this.byName.size;
  }

  private frameOf(topic: LocalTopic, event: BrokerEvent, codec: Codec): Uint8Array {
    return encoder.encode(encodeEvent(topic.ref, event.offset, event.data, codec));
  }

  private onEvent(topic: LocalTopic, event: BrokerEvent): void {
    if (event.epoch !== topic.head.epoch && topic.head.epoch !== '') return this.lost(topic);
    if (event.offset <= topic.head.offset) return;
    topic.head = { epoch: event.epoch, offset: event.offset };
    const frames: Partial<Record<CodecName, Uint8Array>> = {};
    for (const [member, m] of topic.members) {
      const frame = (frames[member.codec.name] ??= this.frameOf(topic, event, member.codec));
      if (!m.held) member.deliver(topic, event.offset, frame);
      else if ((m.heldBytes += frame.byteLength) > member.bufferLimit) member.overflow();
      else m.held.push({ offset: event.offset, frame });
    }
    this.delivered(topic.members.size);
  }

  /** Count a live event's deliveries; write the sockets out when this turn has delivered enough. */
  private delivered(count: number): void {
    const turn = currentTurn();
    if (turn !== this.liveTurn) {
      this.liveTurn = turn;
      this.live = 0;
      this.flushAt = FIRST_FLUSH;
    }
    if ((this.live += count) < this.flushAt) return;
    flushCorked();
    this.flushAt = this.live + Math.min(MAX_FLUSH_STEP, this.live);
  }

  /**
   * Add a subscription of `member` to a topic, replaying from `from` when given. Sends nothing itself:
   * `announce` is called with the join's outcome right before replayed and held frames are delivered.
   *
   * When the broker answers synchronously (the in-memory broker does), the whole join is synchronous, so a
   * subscription covers every event published after its subscribe frame was read, including one published
   * by a call the client sent right behind it.
   */
  join(
    member: TopicMember,
    name: string,
    from: { epoch: string; offset: number } | null,
    announce: (joined: Joined) => boolean,
    gone: () => boolean = never,
  ): LocalTopic | undefined | Promise<LocalTopic | undefined> {
    let topic = this.byName.get(name);
    if (!topic) {
      const t = (topic = new LocalTopic(name, this.nextRef++));
      this.byName.set(name, t);
      const listening = this.broker.listen(
        name,
        (event) => this.onEvent(t, event),
        () => this.lost(t),
      );
      if (isPromise(listening)) {
        t.listening = listening.then((l) => {
          t.listened = l;
          if (t.head.epoch === '') t.head = l.head;
          return l;
        });
      } else {
        t.listened = listening;
        t.head = listening.head;
      }
    }
    let m = topic.members.get(member);
    if (!m) {
      m = { subscriptions: 0, held: undefined, heldBytes: 0, joining: 0 };
      topic.members.set(member, m);
    }
    m.subscriptions++;
    m.joining++;
    m.held ??= [];
    const t = topic;
    const membership = m;
    const failed = (err: unknown): never => {
      this.leave(member, t);
      this.release(member, t, membership);
      throw err;
    };
    const afterListen = (): LocalTopic | undefined | Promise<LocalTopic | undefined> => {
      if (!from) return this.finish(member, t, membership, { topic: t, epoch: t.head.epoch, offset: t.head.offset, gap: null }, [], announce, gone);
      let read: ReadResult | Promise<ReadResult>;
      try {
        read = this.broker.read(name, from);
      } catch (err) {
        return failed(err);
      }
      const onRead = (r: ReadResult): LocalTopic | undefined | Promise<LocalTopic | undefined> =>
        'gap' in r
          ? this.finish(member, t, membership, { topic: t, epoch: r.head.epoch, offset: Math.max(r.head.offset, t.head.offset), gap: r.gap }, [], announce, gone)
          : this.finish(member, t, membership, { topic: t, epoch: r.head.epoch, offset: from.offset, gap: null }, r.events, announce, gone);
      return isPromise(read) ? read.then(onRead, failed) : onRead(read);
    };
    return t.listened ? afterListen() : t.listening!.then(afterListen, failed);
  }

  private finish(
    member: TopicMember,
    topic: LocalTopic,
    m: Membership,
    joined: Joined,
    replay: readonly BrokerEvent[],
    announce: (joined: Joined) => boolean,
    gone: () => boolean,
  ): LocalTopic | undefined | Promise<LocalTopic | undefined> {
    if (replay.length > this.maxReplayEvents) {
      // Asking for more than one subscribe may replay: the oldest are a gap, said so like any other.
      replay = replay.slice(replay.length - this.maxReplayEvents);
      joined = { ...joined, offset: replay[0]!.offset - 1, gap: 'retention' };
    }
    if (!announce(joined)) {
      this.release(member, topic, m);
      this.leave(member, topic);
      return undefined;
    }
    if (replay.length === 0) {
      this.release(member, topic, m);
      return topic;
    }
    // One replay per member at a time, a slice per turn: what a connection asks to replay is paced by its
    // own turns, and other connections are served in between.
    const waiting = this.replaying.get(member);
    if (!waiting) {
      this.replaying.set(member, []);
      const done = this.replay(member, topic, m, replay, 0, 0, gone);
      return isPromise(done) ? done.then(() => topic) : topic;
    }
    return new Promise<LocalTopic>((resolve) => {
      waiting.push({
        gone,
        start: () => {
          const done = this.replay(member, topic, m, replay, 0, 0, gone);
          if (isPromise(done)) void done.then(() => resolve(topic));
          else resolve(topic);
        },
        drop: () => {
          this.release(member, topic, m);
          resolve(topic);
        },
      });
    });
  }

  /**
   * Deliver replayed events, a slice per turn and paced by the member's send buffer (so that a client coming
   * back from a long absence is not closed as a slow consumer by its own backlog); then release the held
   * live frames and start the member's next replay.
   */
  private replay(
    member: TopicMember,
    topic: LocalTopic,
    m: Membership,
    events: readonly BrokerEvent[],
    from: number,
    last: number,
    gone: () => boolean,
  ): void | Promise<void> {
    const turn = currentTurn();
    const now = performance.now();
    const rate = this.replayPerSecond;
    // A second's worth at most is saved up (and 64 events to start with).
    let budget = this.budget.get(member);
    if (!budget) this.budget.set(member, (budget = { turn, used: 0, tokens: Math.min(rate, REPLAY_SLICE), at: now }));
    else {
      if (budget.turn !== turn) {
        budget.turn = turn;
        budget.used = 0;
      }
      if (rate !== Infinity) budget.tokens = Math.min(rate, budget.tokens + ((now - budget.at) * rate) / 1000);
      budget.at = now;
    }
    for (let i = from; i < events.length; i++) {
      if (!member.alive || gone()) break;
      if (member.buffered > member.bufferLimit / 2) {
        return new Promise<void>((r) => setTimeout(r, 5)).then(() => this.replay(member, topic, m, events, i, last, gone));
      }
      if (budget.tokens < 1 && rate !== Infinity) {
        const wait = Math.ceil(((1 - budget.tokens) * 1000) / rate);
        return new Promise<void>((r) => setTimeout(r, wait)).then(() => this.replay(member, topic, m, events, i, last, gone));
      }
      if (budget.used >= REPLAY_SLICE) return new Promise<void>((r) => setImmediate(r)).then(() => this.replay(member, topic, m, events, i, last, gone));
      const event = events[i]!;
      if (event.offset <= last) continue;
      member.deliver(topic, event.offset, this.frameOf(topic, event, member.codec));
      last = event.offset;
      budget.used++;
      budget.tokens--;
    }
    this.release(member, topic, m, last);
    this.nextReplay(member);
  }

  private nextReplay(member: TopicMember): void {
    const waiting = this.replaying.get(member);
    if (!waiting) return;
    let next: WaitingReplay | undefined;
    while ((next = waiting.shift()) && next.gone()) next.drop();
    if (next) next.start();
    else this.replaying.delete(member);
  }

  /** A subscription left: replays waiting for subscriptions that ended are dropped, so what waits is bounded
   * by the member's live subscriptions. */
  private dropWaiting(member: TopicMember): void {
    const waiting = this.replaying.get(member);
    if (!waiting) return;
    for (let i = 0; i < waiting.length; i++) if (waiting[i]!.gone()) waiting.splice(i--, 1)[0]!.drop();
  }

  /**
   * End a join: flush the live frames that waited for it, skipping those the replay already sent. Other
   * subscriptions of the member to this topic need them; the client drops what a subscription already has.
   */
  private release(member: TopicMember, topic: LocalTopic, m: Membership, after = 0): void {
    m.joining--;
    if (m.joining > 0 || !m.held) return;
    const held = m.held;
    m.held = undefined;
    m.heldBytes = 0;
    if (!topic.members.has(member)) return;
    for (const { offset, frame } of held) if (offset > after) member.deliver(topic, offset, frame);
  }

  /**
   * The broker lost the topic's history while we listened (its offsets start over in a new epoch). Offsets
   * of the new epoch cannot follow the old ones on the wire, so the topic is retired: its listener stops and
   * every member is told, which ends their subscriptions; a client that subscribes again gets `gap: 'epoch'`
   * and a fresh topic.
   */
  private lost(topic: LocalTopic): void {
    if (this.byName.get(topic.name) !== topic) return;
    this.byName.delete(topic.name);
    if (topic.listened) topic.listened.stop();
    else void topic.listening?.then((l) => l.stop(), () => undefined);
    for (const member of [...topic.members.keys()]) member.historyLost(topic);
  }

  /** Remove one subscription of `member`; the topic is dropped when nobody listens. */
  leave(member: TopicMember, topic: LocalTopic): void {
    const m = topic.members.get(member);
    if (!m) return;
    if (--m.subscriptions > 0) return this.dropWaiting(member);
    topic.members.delete(member);
    this.dropWaiting(member);
    if (topic.members.size > 0 || this.byName.get(topic.name) !== topic) return;
    this.byName.delete(topic.name);
    if (topic.listened) topic.listened.stop();
    else void topic.listening?.then((l) => l.stop(), () => undefined);
  }
}

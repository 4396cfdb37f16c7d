/**
 * One script call per turn of the event loop for the session store's operations on a single Redis server:
 * the operations of every session issued in one turn (claims, outcomes, acks, lease renewals) go to Redis
 * as one EVALSHA of a batch script, which runs each operation's own script text, unchanged, as a Lua
 * function, in the order they were issued. Redis runs one script instead of one per operation, and the
 * client encodes and parses one command. Each operation still answers (or fails) on its own.
 *
 * A script that takes many items (a session's claims, its outcomes) takes one session's operations of a turn
 * as one: an operation on a key whose last queued operation is of the same script (with the same leading
 * arguments) joins it, so Redis reads and writes that session's hash once for all of them. Only operations
 * on other keys stand between the two, so each session's operations still take effect in the order issued.
 *
 * Only on a single server: on a cluster the sessions of one turn live in different slots, which one script
 * cannot touch, so there every operation stays its own script (pipelined by node-redis as before).
 */
import { unavailable, within } from './errors.js';
import { script, type Link, type Script } from './link.js';

/** Operations in one batch at most (those joined into one count one each); more in the same turn go in the
 * next batch, sent right behind it. */
const MAX_BATCH = 256;

/** One operation's wait for its answer. */
interface Waiter {
  /** What the operation answers, made from the script's answer (the answer itself when absent). */
  readonly decode: ((answer: unknown) => unknown) | undefined;
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/** A script call in a batch: one operation, or several of a script that takes many items, joined. */
interface Op extends Waiter {
  readonly name: string;
  readonly key: string;
  /** The caller's array until an operation joins: then the op's own copy, the joined items appended. */
  args: string[];
  /** The operations joined after the first (whose waiter is the op), once one has. */
  joined: Waiter[] | undefined;
}

/** An operation's arguments from the batch's shared values, appended to its own (indexes into `shared`). */
export type Tails = Readonly<Record<string, readonly number[]>>;

/** Operations are told apart by a code below this: the batch's token is `count * CODES + code`. */
const CODES = 32;

/**
 * The batch script over `scripts` (name → script whose one key is KEYS[1]). ARGV: the number of operations,
 * the number of shared values and the values (what every operation of some names needs, the same each time:
 * sent once per batch, see `tails`), then per operation one token (its number of arguments × 32 + its
 * script's code) and its arguments; KEYS: one per operation. An operation named in `tails` gets those
 * shared values after its own arguments, so it sees the ARGV it sees when run on its own. Answers one
 * element per operation: its value (nil as nil), or `{'__err', message}` when it failed (no operation
 * answers a list starting with that string).
 */
export function batchScript(scripts: Readonly<Record<string, Script>>, tails: Tails = {}): Script {
  const names = Object.keys(scripts);
  if (names.length >= CODES) throw new RangeError(`a batch runs at most ${CODES - 1} scripts`);
  const fns = names.map((name, i) => `ops[${i + 1}] = function(KEYS, ARGV)\n${scripts[name]!.source}\nend`).join('\n');
  const tailOf = names.map((name, i) => (tails[name] ? `tails[${i + 1}] = {${tails[name]!.map((k) => k + 1).join(', ')}}` : '')).join('\n');
  return script(`local ops = {}
local tails = {}
${fns}
${tailOf}
local out = {}
local shared = tonumber(ARGV[2])
local a = 3 + shared
for i = 1, tonumber(ARGV[1]) do
  local t = tonumber(ARGV[a])
  local code = t % ${CODES}
  local n = (t - code) / ${CODES}
  local argv = {}
  for j = 1, n do argv[j] = ARGV[a + j] end
  a = a + 1 + n
  local tail = tails[code]
  if tail then for k = 1, #tail do argv[n + k] = ARGV[2 + tail[k]] end end
  local ok, res = pcall(ops[code], {KEYS[i]}, argv)
  if ok then
    if res == nil then out[i] = false else out[i] = res end
  else
    out[i] = {'__err', type(res) == 'table' and (res.err or 'error') or tostring(res)}
  end
end
return out
`);
}

export interface BatchOptions {
  /** Longest wait for a batch's answer before its operations fail with `UNAVAILABLE`, in ms. */
  readonly timeoutMs: number;
  /** What the `UNAVAILABLE` error says. */
  readonly detail: string;
  /** The names of the batch script's scripts, in the order given to `batchScript`. */
  readonly names: readonly string[];
  /** The shared values (see `batchScript`). */
  readonly shared: readonly string[];
  /**
   * Scripts that take many items, by name, with the number of leading arguments the items share (a
   * claim's generation): their ARGV is those arguments, then every item's, and they answer a list with one
   * element per item, in order (the element itself for one item). Operations of one of them join as said
   * above when their leading arguments are equal.
   */
  readonly many?: Readonly<Record<string, number>>;
}

/**
 * Operations queued in one turn, sent as batches. Each batch has one bounded wait (`within`, not one per
 * operation): when Redis fails it or gives no answer within `timeoutMs`, each of its operations rejects
 * with that `UNAVAILABLE`.
 */
export class ScriptBatch {
  /** This turn's batches, the last one filling; each at most MAX_BATCH operations. */
  private queued: Op[][] = [];
  private filling: Op[] = [];
  private count = 0;
  /** The last operation queued on each key in the filling batch. */
  private lastOn = new Map<string, Op>();
  private scheduled = false;
  /** Batches sent and not answered yet: `settled()` waits for them. */
  private readonly sending = new Set<Promise<void>>();
  private readonly codes: ReadonlyMap<string, number>;

  constructor(
    private readonly link: Link,
    private readonly batch: Script,
    private readonly options: BatchOptions,
  ) {
    this.codes = new Map(options.names.map((name, i) => [name, i + 1]));
  }

  /**
   * Run the named script (one of the batch's) on the session's key, in this turn's batch. Answers
   * `decode(answer)` when given (a decode that throws rejects): one promise per operation, not two.
   */
  run(name: string, key: string, args: readonly string[], decode?: (answer: unknown) => unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.count === MAX_BATCH) {
        this.queued.push(this.filling);
        this.filling = [];
        this.count = 0;
        this.lastOn.clear();
      }
      this.count++;
      const lead = this.options.many?.[name];
      if (lead !== undefined) {
        const last = this.lastOn.get(key);
        if (last !== undefined && last.name === name && sameLead(last.args, args, lead)) {
          if (!last.joined) {
            last.joined = [];
            last.args = [...last.args];
          }
          for (let i = lead; i < args.length; i++) last.args.push(args[i]!);
          last.joined.push({ decode, resolve, reject });
          this.schedule();
          return;
        }
      }
      const op: Op = { name, key, args: args as string[], joined: undefined, decode, resolve, reject };
      this.filling.push(op);
      this.lastOn.set(key, op);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Send what is queued now, and wait until every batch sent has its answer (or failed). */
  settled(): Promise<void> {
    this.flush();
    return Promise.all([...this.sending]).then(() => undefined);
  }

  private flush(): void {
    this.scheduled = false;
    if (this.count === 0) return;
    const batches = this.queued;
    batches.push(this.filling);
    this.queued = [];
    this.filling = [];
    this.count = 0;
    this.lastOn.clear();
    for (const ops of batches) this.send(ops);
  }

  private send(ops: Op[]): void {
    const keys: string[] = [];
    const shared = this.options.shared;
    const args: string[] = [String(ops.length), String(shared.length), ...shared];
    for (const op of ops) {
      keys.push(op.key);
      args.push(String(op.args.length * CODES + this.codes.get(op.name)!));
      for (const a of op.args) args.push(a);
    }
    const { timeoutMs, detail } = this.options;
    const done = within(this.link.eval(this.batch, keys, args), timeoutMs, `a batch of ${ops.length} session operations`, detail).then(
      (answer) => {
        const results = answer as unknown[];
        ops.forEach((op, i) => {
          const r = results[i] ?? null;
          if (Array.isArray(r) && r[0] === '__err') rejectAll(op, unavailable(new Error(String(r[1])), detail));
          else if (!op.joined) answered(op, r);
          else {
            const items = r as unknown[];
            answered(op, items[0] ?? null);
            for (let j = 0; j < op.joined.length; j++) answered(op.joined[j]!, items[j + 1] ?? null);
          }
        });
      },
      (err: unknown) => {
        for (const op of ops) rejectAll(op, err);
      },
    );
    this.sending.add(done);
    void done.then(() => this.sending.delete(done));
  }
}

/** Fail an operation and the ones joined to it. */
function rejectAll(op: Op, err: unknown): void {
  op.reject(err);
  if (op.joined) for (const w of op.joined) w.reject(err);
}

/** Whether two operations' leading `n` arguments are equal. */
function sameLead(a: readonly string[], b: readonly string[], n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

function answered(w: Waiter, answer: unknown): void {
  if (!w.decode) {
    w.resolve(answer);
    return;
  }
  let value: unknown;
  try {
    value = w.decode(answer);
  } catch (err) {
    w.reject(err);
    return;
  }
  w.resolve(value);
}

/**
 * One script call per turn of the event loop for the session store's operations on a single Redis server:
 * the operations of every session issued in one turn (claims, outcomes, acks, lease renewals) go to Redis
 * as one EVALSHA of a batch script, which runs each operation's own script text, unchanged, as a Lua
 * function, in the order they were issued. Redis runs one script instead of one per operation, and the
 * client encodes and parses one command. Each operation still answers (or fails) on its own.
 *
 * Only on a single server: on a cluster the sessions of one turn live in different slots, which one script
 * cannot touch, so there every operation stays its own script (pipelined by node-redis as before).
 */
import { script, type Link, type Script } from './link.js';

/** Operations in one batch at most; more in the same turn go in the next batch, sent right behind it. */
const MAX_BATCH = 256;

interface Op {
  readonly name: string;
  readonly keys: readonly [string, string];
  readonly args: readonly string[];
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

/**
 * The batch script over `scripts` (name → script whose keys are KEYS[1], KEYS[2]). ARGV: the number of
 * operations, then per operation its name, its number of arguments and the arguments; KEYS: two per
 * operation. Answers one array per operation: `{value}` (empty for nil), or `{'__err', message}`.
 */
export function batchScript(scripts: Readonly<Record<string, Script>>): Script {
  const fns = Object.entries(scripts)
    .map(([name, s]) => `ops[${JSON.stringify(name)}] = function(KEYS, ARGV)\n${s.source}\nend`)
    .join('\n');
  return script(`local ops = {}
${fns}
local out = {}
local a = 2
for i = 1, tonumber(ARGV[1]) do
  local name = ARGV[a]
  local n = tonumber(ARGV[a + 1])
  local argv = {}
  for j = 1, n do argv[j] = ARGV[a + 1 + j] end
  a = a + 2 + n
  local ok, res = pcall(ops[name], {KEYS[2 * i - 1], KEYS[2 * i]}, argv)
  if ok then
    out[i] = {res}
  else
    out[i] = {'__err', type(res) == 'table' and (res.err or 'error') or tostring(res)}
  end
end
return out
`);
}

export class ScriptBatch {
  private queue: Op[] = [];
  private scheduled = false;

  constructor(
    private readonly link: Link,
    private readonly batch: Script,
  ) {}

  /** Run the named script (one of the batch's) with the session's two keys, in this turn's batch. */
  run(name: string, keys: readonly [string, string], args: readonly string[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ name, keys, args, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.scheduled = false;
    const all = this.queue;
    this.queue = [];
    for (let i = 0; i < all.length; i += MAX_BATCH) this.send(all.slice(i, i + MAX_BATCH));
  }

  private send(ops: Op[]): void {
    const keys: string[] = [];
    const args: string[] = [String(ops.length)];
    for (const op of ops) {
      keys.push(op.keys[0], op.keys[1]);
      args.push(op.name, String(op.args.length), ...op.args);
    }
    this.link.eval(this.batch, keys, args).then(
      (answer) => {
        const results = answer as unknown[][];
        ops.forEach((op, i) => {
          const r = results[i] ?? [];
          if (r[0] === '__err') op.reject(new Error(String(r[1])));
          else op.resolve(r.length === 0 ? null : r[0]);
        });
      },
      (err: unknown) => {
        for (const op of ops) op.reject(err);
      },
    );
  }
}

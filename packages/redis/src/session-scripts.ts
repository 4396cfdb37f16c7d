/**
 * The session store's Lua scripts. Each runs atomically on the Redis node that holds the session's slot
 * (a session is one key, see session-keys.ts), so a claim is decided in one step and
 * one session's operations take effect in the order they reached Redis.
 *
 * KEYS[1] is the session hash. It holds `h` (SHA-256 of the resume token, hex), `g` (generation), `l`
 * (highest id seen), `w` (watermark), `n` (outcomes stored), `p` (1 once a node waits for an outcome of
 * the session), and one field per call id in the table: `~<node id>` while the call runs (the store
 * instance, i.e. the process, that claimed it), its outcome frame once it has one (a frame is JSON array
 * text: never `~`). Acknowledgements name the ids they release (a watermark releases the ids from the
 * previous watermark up), so no index of the stored ids is kept.
 */
import { CHANNEL_SUFFIX } from './session-keys.js';

/** Widest id span an acknowledgement reads id by id; a wider one reads the hash's field names instead. */
const SPAN = 2048;

/** The session's channel, made from its key as sessionKeys() makes it. */
const CHANNEL = `KEYS[1] .. '${CHANNEL_SUFFIX}'`;

/** Claim answers, as the claim script returns them. */
export const CLAIMED = { new: 0, running: 1, finished: 2, confirmed: 3, fenced: 4, gone: 5, full: 6 } as const;

const PRELUDE = `
local function str(n) return string.format('%.0f', n) end
-- Forget the finished calls with ids lo to hi (inclusive) in the table s; running calls stay. A span wider
-- than ${SPAN} ids is looked for among the hash's fields (at most the retained outcomes and running calls).
local function forget(s, lo, hi)
  if hi < lo then return 0 end
  local ids = {}
  if hi - lo < ${SPAN} then
    for id = lo, hi do ids[#ids + 1] = str(id) end
  else
    for _, f in ipairs(redis.call('HKEYS', s)) do
      local id = tonumber(f)
      if id and id >= lo and id <= hi then ids[#ids + 1] = f end
    end
  end
  local gone = {}
  for i = 1, #ids, 1000 do
    local chunk = {unpack(ids, i, math.min(i + 999, #ids))}
    local v = redis.call('HMGET', s, unpack(chunk))
    for j = 1, #chunk do
      if v[j] and string.sub(v[j], 1, 1) ~= '~' then gone[#gone + 1] = chunk[j] end
    end
  end
  for i = 1, #gone, 1000 do redis.call('HDEL', s, unpack(gone, i, math.min(i + 999, #gone))) end
  return #gone
end
`;

/**
 * ARGV: token hash, ttl ms. A new session: generation 1, nothing seen, no outcome stored, no node waiting.
 * Every fixed field is written here, first: a small hash is a list that Redis reads from its start, so the
 * fields each operation reads are found before the call ids.
 */
export const CREATE = `
redis.call('HSET', KEYS[1], 'h', ARGV[1], 'g', 1, 'l', 0, 'w', 0, 'n', 0, 'p', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/**
 * ARGV: presented token hash, ttl ms. Compares every byte of the two digests whatever they hold (no early
 * exit), then raises the generation. Answers {generation, lastId}, or 0.
 */
export const RESUME = `
local h = redis.call('HGET', KEYS[1], 'h')
if not h then return 0 end
local a = ARGV[1]
local diff = 0
if #a ~= #h then diff = 1 end
for i = 1, #h do diff = bit.bor(diff, bit.bxor(string.byte(h, i), string.byte(a, i) or 0)) end
if diff ~= 0 then return 0 end
local g = redis.call('HINCRBY', KEYS[1], 'g', 1)
local l = redis.call('HGET', KEYS[1], 'l')
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {g, l}
`;

/**
 * ARGV: generation, call id, maxRetainedCalls, node id. Answers a CLAIMED code, or {2, frame} for a finished call.
 * A new claim is recorded as running, unless the session holds maxRetainedCalls outcomes the client has not
 * confirmed (`n`): then it answers `full` and records nothing (no outcome is ever dropped unconfirmed). One
 * read and, for a new call, one write.
 */
export const CLAIM = `
local m = redis.call('HMGET', KEYS[1], 'g', 'l', 'w', 'n', ARGV[2])
if not m[1] then return ${CLAIMED.gone} end
if m[1] ~= ARGV[1] then return ${CLAIMED.fenced} end
local id = tonumber(ARGV[2])
local raise = id > tonumber(m[2])
local v = m[5]
local answer
if v then
  if string.sub(v, 1, 1) == '~' then answer = ${CLAIMED.running} else answer = {${CLAIMED.finished}, v} end
elseif id < tonumber(m[3]) then answer = ${CLAIMED.confirmed}
elseif (tonumber(m[4]) or 0) >= tonumber(ARGV[3]) then answer = ${CLAIMED.full}
else
  if raise then redis.call('HSET', KEYS[1], 'l', ARGV[2], ARGV[2], '~' .. ARGV[4])
  else redis.call('HSET', KEYS[1], ARGV[2], '~' .. ARGV[4]) end
  return ${CLAIMED.new}
end
if raise then redis.call('HSET', KEYS[1], 'l', ARGV[2]) end
return answer
`;

/**
 * ARGV: call id, frame, publish command. Stores the outcome of a running claim (from any
 * generation) and counts it in `n`. A call the watermark passed while it ran is no longer awaited: it is
 * forgotten instead. Either way, when a node waits for an outcome of this session (`p`), the call id goes out
 * on the session's channel. Answers 1 when stored.
 */
export const COMPLETE = `
local m = redis.call('HMGET', KEYS[1], ARGV[1], 'w', 'n', 'p')
local v = m[1]
if not v or string.sub(v, 1, 1) ~= '~' then return 0 end
local stored = 1
if tonumber(ARGV[1]) < tonumber(m[2]) then
  redis.call('HDEL', KEYS[1], ARGV[1])
  stored = 0
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2], 'n', (tonumber(m[3]) or 0) + 1)
end
if m[4] == '1' then redis.call(ARGV[3], ${CHANNEL}, ARGV[1]) end
return stored
`;

/** ARGV: call id, publish command. Forgets a running claim (refused without running). */
export const RELEASE = `
local m = redis.call('HMGET', KEYS[1], ARGV[1], 'p')
local v = m[1]
if not v or string.sub(v, 1, 1) ~= '~' then return 0 end
redis.call('HDEL', KEYS[1], ARGV[1])
if m[2] == '1' then redis.call(ARGV[2], ${CHANNEL}, ARGV[1]) end
return 1
`;

/**
 * ARGV: call id. A call's entry: its frame, `~<node id>` while it runs, or false (nil) when the table has
 * none. Sets `p`: a node waits for this session's outcomes, so storing or releasing one says its id on the
 * session's channel from now on (the waiting node subscribed to the channel before it peeks).
 */
export const PEEK = `
local m = redis.call('HMGET', KEYS[1], 'g', 'p', ARGV[1])
if not m[1] then return false end
if m[2] ~= '1' then redis.call('HSET', KEYS[1], 'p', 1) end
return m[3]
`;

/** ARGV: id. Raises the highest id seen. */
export const SEEN = `
local l = redis.call('HGET', KEYS[1], 'l')
if l and tonumber(ARGV[1]) > tonumber(l) then redis.call('HSET', KEYS[1], 'l', ARGV[1]) end
return 0
`;

/**
 * ARGV: watermark, then first, last, first, last, ... (inclusive, ascending, disjoint; none is fine).
 * Raises the watermark (a lower one changes nothing) and forgets the finished calls from the previous
 * watermark up to it (none below the previous one is kept: a claim or an outcome below the watermark
 * records nothing), then the finished calls in the ranges; running calls stay. Answers the number forgotten.
 */
export const CONFIRM = `${PRELUDE}
local m = redis.call('HMGET', KEYS[1], 'w', 'n')
if not m[1] then return 0 end
local n = 0
local w = tonumber(ARGV[1])
if w > tonumber(m[1]) then
  redis.call('HSET', KEYS[1], 'w', ARGV[1])
  n = forget(KEYS[1], tonumber(m[1]), w - 1)
end
for i = 2, #ARGV, 2 do n = n + forget(KEYS[1], tonumber(ARGV[i]), tonumber(ARGV[i + 1])) end
if n > 0 then redis.call('HSET', KEYS[1], 'n', math.max(0, (tonumber(m[2]) or 0) - n)) end
return n
`;

/** ARGV: generation, ttl ms. Sets the session's expiry if the generation still owns it. */
export const EXPIRE_IF_OWNER = `
if redis.call('HGET', KEYS[1], 'g') ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/**
 * ARGV: generation or '', publish command. Deletes the session (unless a later resume took it)
 * and says `end` on its channel. Answers 1 when deleted.
 */
export const END = `
local g = redis.call('HGET', KEYS[1], 'g')
if not g or (ARGV[1] ~= '' and g ~= ARGV[1]) then return 0 end
redis.call('DEL', KEYS[1])
redis.call(ARGV[2], ${CHANNEL}, 'end')
return 1
`;

/** KEYS[1]: a node's liveness key. ARGV: ttl ms. Set while the process (store instance) runs. */
export const NODE_ALIVE = `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
return 1
`;

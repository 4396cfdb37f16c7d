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
 * ARGV: generation, call ids (one or more), maxRetainedCalls, node id. Claims each id in turn, as if each
 * were its own script: answers one element per id (the element itself for one id), a CLAIMED code or
 * {2, frame} for a finished call. A new claim is recorded as running, unless the session holds
 * maxRetainedCalls outcomes the client has not confirmed (`n`): then it answers `full` and records nothing
 * (no outcome is ever dropped unconfirmed). One read and at most one write, however many ids: a batch puts
 * one session's claims of a turn in one call (script-batch.ts). One id takes a path without tables.
 */
export const CLAIM = `
local last = #ARGV - 2
local single = last == 2
local m
if single then m = redis.call('HMGET', KEYS[1], 'g', 'l', 'w', 'n', ARGV[2])
else
  local fields = {'g', 'l', 'w', 'n'}
  for i = 2, last do fields[i + 3] = ARGV[i] end
  m = redis.call('HMGET', KEYS[1], unpack(fields))
end
local refused
if not m[1] then refused = ${CLAIMED.gone} elseif m[1] ~= ARGV[1] then refused = ${CLAIMED.fenced} end
if refused and single then return refused end
local out
if not single then out = {} end
if refused then
  for i = 2, last do out[i - 1] = refused end
  return out
end
local cap = tonumber(ARGV[last + 1])
local running = '~' .. ARGV[last + 2]
local l, w, n = tonumber(m[2]), tonumber(m[3]), tonumber(m[4]) or 0
local top, now, writes, a
for i = 2, last do
  local f = ARGV[i]
  local id = tonumber(f)
  if id > l then l = id top = f end
  local v = (now and now[f]) or m[i + 3]
  if v then
    if string.sub(v, 1, 1) == '~' then a = ${CLAIMED.running} else a = {${CLAIMED.finished}, v} end
  elseif id < w then a = ${CLAIMED.confirmed}
  elseif n >= cap then a = ${CLAIMED.full}
  else
    a = ${CLAIMED.new}
    if single then
      if top then redis.call('HSET', KEYS[1], f, running, 'l', top) else redis.call('HSET', KEYS[1], f, running) end
      return a
    end
    now = now or {}
    now[f] = running
    writes = writes or {}
    writes[#writes + 1] = f
    writes[#writes + 1] = running
  end
  if out then out[i - 1] = a end
end
if top then
  writes = writes or {}
  writes[#writes + 1] = 'l'
  writes[#writes + 1] = top
end
if writes then redis.call('HSET', KEYS[1], unpack(writes)) end
if single then return a end
return out
`;

/**
 * ARGV: call id, frame, call id, frame, ... (one pair or more), publish command. Stores each outcome of a
 * running claim (from any generation) in turn, counted in `n`, as if each were its own script. A call the
 * watermark passed while it ran is no longer awaited: it is forgotten instead. Either way, when a node
 * waits for an outcome of this session (`p`), the call id goes out on the session's channel. Answers one
 * element per pair (the element itself for one pair): 1 when stored. One read and at most two writes,
 * however many pairs.
 */
export const COMPLETE = `
local last = #ARGV - 1
local single = last == 2
local m
if single then m = redis.call('HMGET', KEYS[1], 'w', 'n', 'p', ARGV[1])
else
  local fields = {'w', 'n', 'p'}
  for i = 1, last, 2 do fields[#fields + 1] = ARGV[i] end
  m = redis.call('HMGET', KEYS[1], unpack(fields))
end
local w, n = tonumber(m[1]), tonumber(m[2]) or 0
local said = m[3] == '1'
local out = single and 0 or {}
local now, sets, dels
for i = 1, last, 2 do
  local f = ARGV[i]
  local k = (i + 1) / 2
  local v
  if now then v = now[f] end
  if v == nil then v = m[3 + k] end
  local a = 0
  if w and v and string.sub(v, 1, 1) == '~' then
    if not single then now = now or {} end
    if tonumber(f) < w then
      if now then now[f] = false end
      dels = dels or {}
      dels[#dels + 1] = f
    elseif single then
      redis.call('HSET', KEYS[1], f, ARGV[2], 'n', n + 1)
      a = 1
    else
      now[f] = ARGV[i + 1]
      sets = sets or {}
      sets[#sets + 1] = f
      sets[#sets + 1] = ARGV[i + 1]
      n = n + 1
      a = 1
    end
    if said then redis.call(ARGV[last + 1], ${CHANNEL}, f) end
  end
  if single then out = a else out[k] = a end
end
if sets then
  sets[#sets + 1] = 'n'
  sets[#sets + 1] = n
  redis.call('HSET', KEYS[1], unpack(sets))
end
if dels then redis.call('HDEL', KEYS[1], unpack(dels)) end
return out
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

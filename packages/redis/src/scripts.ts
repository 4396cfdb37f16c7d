/**
 * The broker's Lua scripts. Each runs atomically on the Redis node that holds the topic's slot: an offset is
 * assigned, the event appended, the stream trimmed and the live message published in one step, so offsets
 * have no holes and live messages leave in offset order.
 *
 * Numbers are formatted with `%.0f` because Lua 5.1 prints large numbers in exponent form otherwise.
 */

/** Shared by every script: the clock, id parsing, the head with loss detection, age trimming. */
const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function str(n) return string.format('%.0f', n) end
local function offset_of(id) return tonumber(string.sub(id, 1, string.find(id, '-', 1, true) - 1)) end
local function time_of(id) return tonumber(string.sub(id, string.find(id, '-', 1, true) + 1)) end

-- The topic's epoch and head offset. A new history (fresh epoch, offsets from 1, no events) starts when
-- there is none, or when the stored one was lost: the events gone before they could have aged out
-- (evicted, deleted), or a head behind an offset a server already saw in this epoch (a failover that
-- dropped the tail).
local function head(meta, events, fresh, retain_ms, now, seen_epoch, seen_offset)
  local h = redis.call('HMGET', meta, 'e', 'o', 't')
  local e, o, t = h[1], tonumber(h[2] or 0), tonumber(h[3] or 0)
  if e and not (o > 0 and now < t + retain_ms and redis.call('EXISTS', events) == 0)
      and not (e == seen_epoch and o < seen_offset) then
    return e, o
  end
  redis.call('DEL', events)
  redis.call('HSET', meta, 'e', fresh, 'o', 0, 't', str(now))
  return fresh, 0
end

-- Drop the events older than cutoff, at most 6,400 per call (the rest goes on the next one).
local function trim_age(events, cutoff)
  local first = redis.call('XRANGE', events, '-', '+', 'COUNT', 1)[1]
  if not first or time_of(first[1]) >= cutoff then return end
  for _ = 1, 64 do
    local batch = redis.call('XRANGE', events, '-', '+', 'COUNT', 100)
    local n = #batch
    if n == 0 then return end
    for i = 1, n do
      if time_of(batch[i][1]) >= cutoff then
        redis.call('XTRIM', events, 'MINID', batch[i][1])
        return
      end
    end
    redis.call('XTRIM', events, 'MINID', str(offset_of(batch[n][1]) + 1) .. '-0')
  end
end
`;

/**
 * KEYS: meta, events. ARGV: fresh epoch, payload, retain count, retain ms, topic ttl ms, channel,
 * seen epoch, seen offset, publish command. Returns { epoch, offset }.
 */
export const PUBLISH = `${PRELUDE}
local retain_ms = tonumber(ARGV[4])
local now = now_ms()
local e, o = head(KEYS[1], KEYS[2], ARGV[1], retain_ms, now, ARGV[7], tonumber(ARGV[8]))
o = o + 1
if type(redis.pcall('XADD', KEYS[2], 'MAXLEN', ARGV[3], str(o) .. '-' .. str(now), 'd', ARGV[2])) ~= 'string' then
  -- The stream is ahead of the head: the two disagree, so neither is trusted; a new history starts.
  redis.call('DEL', KEYS[2])
  e, o = ARGV[1], 1
  redis.call('HSET', KEYS[1], 'e', e)
  redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[3], '1-' .. str(now), 'd', ARGV[2])
end
trim_age(KEYS[2], now - retain_ms)
redis.call('HSET', KEYS[1], 'o', str(o), 't', str(now))
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call(ARGV[9], ARGV[6], e .. ' ' .. str(o) .. ' ' .. ARGV[2])
return { e, str(o) }
`;

/** KEYS: meta, events. ARGV: fresh epoch, retain ms, topic ttl ms, seen epoch, seen offset. Returns { epoch, offset }. */
export const HEAD = `${PRELUDE}
local e, o = head(KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2]), now_ms(), ARGV[4], tonumber(ARGV[5]))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return { e, str(o) }
`;

/**
 * KEYS: meta, events. ARGV: fresh epoch, retain ms, topic ttl ms, from epoch, from offset, count,
 * seen epoch, seen offset. Returns { epoch, offset, 'epoch' | 'retention' } or { epoch, offset, 'events',
 * first page of entries after from }.
 */
export const READ = `${PRELUDE}
local retain_ms = tonumber(ARGV[2])
local now = now_ms()
local e, o = head(KEYS[1], KEYS[2], ARGV[1], retain_ms, now, ARGV[7], tonumber(ARGV[8]))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local from = tonumber(ARGV[5])
if ARGV[4] ~= e or from > o then return { e, str(o), 'epoch' } end
if from == o then return { e, str(o), 'events', {} } end
trim_age(KEYS[2], now - retain_ms)
local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
if not first or offset_of(first[1]) > from + 1 then return { e, str(o), 'retention' } end
return { e, str(o), 'events', redis.call('XRANGE', KEYS[2], str(from + 1) .. '-0', '+', 'COUNT', ARGV[6]) }
`;

/** KEYS: meta, events. ARGV: epoch, first offset, count. The next page of a read, or nil if the epoch changed. */
export const PAGE = `
if redis.call('HGET', KEYS[1], 'e') ~= ARGV[1] then return false end
return redis.call('XRANGE', KEYS[2], ARGV[2] .. '-0', '+', 'COUNT', ARGV[3])
`;

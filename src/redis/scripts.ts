/**
 * The Lua scripts of replicas on Redis. Each runs atomically ("no other script or Redis command will be
 * executed while a script is being executed"), so a load is one consistent snapshot and a commit is all
 * or nothing. Every key is built from the prefix (ARGV[1]) inside the script: one Redis primary, not
 * Cluster. Times: `wall` is Redis's own clock (TIME), the same for every replica; sandbox time is
 * `wall + offset`, the offset being the shared sandbox clock (`clock`).
 *
 * Keys, under the prefix:
 *   d:{id}            hash v (version), doc (JSON): a charge, agreement or payment session
 *   m:{m}:ch|ag|se    lists of a merchant's charges, agreements, sessions, oldest first (keyset paging)
 *   m:{m}:ref:{ref}   list of the charges with that merchantPaymentChargeReference
 *   m:{m}:agc:{id}    list of an agreement's charges
 *   m:{m}:ix          set of the merchant's index lists above (for DELETE /sandbox/data)
 *   m:{m}:ev          list of the merchant's event ids, in order
 *   e:{id}            hash of an event: m, s (subject), u (url), b (body sent), ty, tm, st (delivery status), c, a
 *   e:{id}:att        list of its attempts (JSON each); sv:{subject} the event ids of a charge or agreement
 *   (e:{id} also holds hd: the label of the webhook fault holding it back; pk:{subject} the events a reorder parked)
 *   (d:{id} also holds rt: the real time, Redis's, it last changed, which retention measures age by)
 *   due / due:lease   resources with scheduled work (score: sandbox ms) / claimed ones (score: lease end, wall ms)
 *   wq:{subject}      first attempts owed, in event order; wq / wq:lease the subjects with work / claimed
 *   wr / wr:lease     retries (score: sandbox ms) / claimed
 *   idem:{m}\n{key}   hash fp, at, and once answered sc, ct, b; m:{m}:idem the merchant's keys
 *   clock             the sandbox clock's offset (ms); merchants: the merchants with data
 *
 * The dashboard's lists read sorted sets, written in the commit with the change they index (no request
 * scans). A charge, agreement or event has a sequence number per merchant (`n` in its hash, counted by
 * m:{m}:n:ch|ag|ev): its position in the merchant's list as long as retention has forgotten nothing.
 *   m:{m}:chz, agz            every charge, agreement (score: n)
 *   m:{m}:chs:{status}, ags:  charges, agreements by status (score: n)
 *   m:{m}:agcz:{agreement}    an agreement's charges (score: n)
 *   m:{m}:chq, agq            text entries `lowercased text NUL id` (score 0): prefix search by id, reference, description
 *   m:{m}:evz                 every event (score: n); evs:{state} by delivery state, evt:{type}, evc:{charge}, eva:{agreement}
 */

const NOW = `
local t = redis.call('TIME')
local wall = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local off = tonumber(redis.call('GET', p .. 'clock') or '0')
`

/** ARGV: prefix, ids… → {wall, offset, v1, doc1, v2, doc2, …} (v 0 and doc '' for an absent id). */
export const LOAD = `
local p = ARGV[1]
${NOW}
local out = { wall, off }
for i = 2, #ARGV do
  local r = redis.call('HMGET', p .. 'd:' .. ARGV[i], 'v', 'doc')
  out[#out + 1] = tonumber(r[1] or '0')
  out[#out + 1] = r[2] or ''
end
return out
`

/**
 * A window of an index list, for keyset paging: ARGV prefix, list (relative), end (-1: the last),
 * count → {wall, offset, length, start, id1, v1, doc1, …}, the window oldest first.
 */
export const WINDOW = `
local p = ARGV[1]
${NOW}
local key = p .. ARGV[2]
local len = redis.call('LLEN', key)
local last = tonumber(ARGV[3])
if last < 0 or last >= len then last = len - 1 end
local first = last - tonumber(ARGV[4]) + 1
if first < 0 then first = 0 end
local out = { wall, off, len, first }
if last < 0 then return out end
for _, id in ipairs(redis.call('LRANGE', key, first, last)) do
  local r = redis.call('HMGET', p .. 'd:' .. id, 'v', 'doc')
  out[#out + 1] = id
  out[#out + 1] = tonumber(r[1] or '0')
  out[#out + 1] = r[2] or ''
end
return out
`

/**
 * One unit of work, all or nothing. ARGV prefix, JSON {c, w, e, d, l, i}:
 *   c  [[id, v]]: every document the step read, at the version it read (0: absent); any other version → 0
 *   w  [[id, doc, merchant, new, [index lists], kind numbered ('' none), [sorted-set entries to add], [to remove]]]:
 *      documents written (a new one is added to its lists and numbered); an entry [set, ''] is the
 *      document's id scored by its number, [set, member] a text entry
 *   e  [[id, merchant, subject, url, body, type, time, status, chargeId, agreementId]]: events, to the outbox
 *   d  [[id, at]]: each resource's next scheduled work in sandbox ms (-1: none)
 *   l  [id]: claims of due work to drop
 *   i  [key, merchant, fp, at, statusCode, contentType, body, ttlMs] | '': the idempotency answer
 * → 1 committed, 0 conflict.
 */
export const COMMIT = `
local p = ARGV[1]
local u = cjson.decode(ARGV[2])
local t = redis.call('TIME')
local wall = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for _, c in ipairs(u.c) do
  local v = tonumber(redis.call('HGET', p .. 'd:' .. c[1], 'v') or '0')
  if v ~= c[2] then return 0 end
end
for _, w in ipairs(u.w) do
  local k = p .. 'd:' .. w[1]
  local mk = p .. 'm:' .. w[3] .. ':'
  redis.call('HINCRBY', k, 'v', 1)
  redis.call('HSET', k, 'doc', w[2], 'rt', wall)
  local n
  if w[4] == 1 then
    redis.call('SADD', p .. 'merchants', w[3])
    for _, ix in ipairs(w[5]) do
      redis.call('RPUSH', mk .. ix, w[1])
      redis.call('SADD', mk .. 'ix', ix)
    end
    if w[6] ~= '' then
      n = redis.call('INCR', mk .. 'n:' .. w[6]) - 1
      redis.call('SADD', mk .. 'ix', 'n:' .. w[6])
      redis.call('HSET', k, 'n', n)
    end
  end
  if #w[7] > 0 or #w[8] > 0 then
    n = n or tonumber(redis.call('HGET', k, 'n') or '-1')
    if n >= 0 then
      for _, z in ipairs(w[8]) do redis.call('ZREM', mk .. z[1], z[2] == '' and w[1] or z[2]) end
      for _, z in ipairs(w[7]) do
        if z[2] == '' then redis.call('ZADD', mk .. z[1], n, w[1]) else redis.call('ZADD', mk .. z[1], 0, z[2]) end
        redis.call('SADD', mk .. 'ix', z[1])
      end
    end
  end
end
for _, e in ipairs(u.e) do
  local k = p .. 'e:' .. e[1]
  local mk = p .. 'm:' .. e[2] .. ':'
  local n = redis.call('INCR', mk .. 'n:ev') - 1
  redis.call('HSET', k, 'm', e[2], 's', e[3], 'u', e[4], 'b', e[5], 'ty', e[6], 'tm', e[7], 'st', e[8], 'c', e[9], 'a', e[10], 'n', n)
  redis.call('RPUSH', mk .. 'ev', e[1])
  redis.call('ZADD', mk .. 'evz', n, e[1])
  redis.call('ZADD', mk .. 'evs:' .. (e[8] == 'PENDING' and 'pending' or 'not_sent'), n, e[1])
  redis.call('ZADD', mk .. 'evt:' .. e[6], n, e[1])
  if e[9] ~= '' then redis.call('ZADD', mk .. 'evc:' .. e[9], n, e[1]) end
  if e[10] ~= '' then redis.call('ZADD', mk .. 'eva:' .. e[10], n, e[1]) end
  redis.call('RPUSH', p .. 'sv:' .. e[3], e[1])
  if e[4] ~= '' then
    redis.call('RPUSH', p .. 'wq:' .. e[3], e[1])
    if not redis.call('ZSCORE', p .. 'wq:lease', e[3]) then redis.call('ZADD', p .. 'wq', 'NX', 0, e[3]) end
  end
end
for _, d in ipairs(u.d) do
  if d[2] < 0 then redis.call('ZREM', p .. 'due', d[1]) else redis.call('ZADD', p .. 'due', d[2], d[1]) end
end
for _, id in ipairs(u.l) do redis.call('ZREM', p .. 'due:lease', id) end
if type(u.i) == 'table' then
  local k = p .. 'idem:' .. u.i[1]
  redis.call('HSET', k, 'fp', u.i[3], 'at', u.i[4], 'sc', u.i[5], 'ct', u.i[6], 'b', u.i[7])
  redis.call('PEXPIRE', k, u.i[8])
  redis.call('SADD', p .. 'm:' .. u.i[2] .. ':idem', u.i[1])
end
return 1
`

/**
 * Claims due work with a lease: ARGV prefix, set, lease set, limit, leaseMs. Claims whose lease ran out
 * (their replica died or hangs) are due again first. → {sandbox now, {ids}}.
 */
export const CLAIM = `
local p = ARGV[1]
${NOW}
local z, l = p .. ARGV[2], p .. ARGV[3]
for _, id in ipairs(redis.call('ZRANGEBYSCORE', l, '-inf', wall, 'LIMIT', 0, 1000)) do
  redis.call('ZREM', l, id)
  redis.call('ZADD', z, 'NX', 0, id)
end
local ids = redis.call('ZRANGEBYSCORE', z, '-inf', wall + off, 'LIMIT', 0, tonumber(ARGV[4]))
for _, id in ipairs(ids) do
  redis.call('ZREM', z, id)
  redis.call('ZADD', l, wall + tonumber(ARGV[5]), id)
end
return { wall + off, ids }
`

/** Moves an event to the sorted set of its delivery state (the dashboard's words: pending, retrying, delivered, gave_up, not_sent). */
const RESTATE = `
local function restate(p, id, state)
  local r = redis.call('HMGET', p .. 'e:' .. id, 'm', 'n')
  if not r[2] then return end
  local mk = p .. 'm:' .. r[1] .. ':evs:'
  for _, x in ipairs({ 'pending', 'retrying', 'delivered', 'gave_up', 'not_sent' }) do redis.call('ZREM', mk .. x, id) end
  redis.call('ZADD', mk .. state, tonumber(r[2]), id)
end
`

/** Deletes the sorted sets an event is in, named by its fields (a reset or retention forgets it). */
const UNINDEX_EVENT = `
local function unindexEvent(p, mk, id, whole)
  local r = redis.call('HMGET', p .. 'e:' .. id, 'ty', 'c', 'a')
  if whole then
    if r[1] then redis.call('DEL', mk .. 'evt:' .. r[1]) end
    if r[2] and r[2] ~= '' then redis.call('DEL', mk .. 'evc:' .. r[2]) end
    if r[3] and r[3] ~= '' then redis.call('DEL', mk .. 'eva:' .. r[3]) end
    return
  end
  redis.call('ZREM', mk .. 'evz', id)
  for _, x in ipairs({ 'pending', 'retrying', 'delivered', 'gave_up', 'not_sent' }) do redis.call('ZREM', mk .. 'evs:' .. x, id) end
  if r[1] then redis.call('ZREM', mk .. 'evt:' .. r[1], id) end
  if r[2] and r[2] ~= '' then redis.call('ZREM', mk .. 'evc:' .. r[2], id) end
  if r[3] and r[3] ~= '' then redis.call('ZREM', mk .. 'eva:' .. r[3], id) end
end
`

/**
 * The outcome of one webhook attempt: ARGV prefix, subject, event id, attempt JSON, outcome
 * ('' when nothing was sent: the event is gone or already settled), outcome (ok | retry | fail | skip),
 * retry at (sandbox ms), retry (1: from wr, 0: a first attempt from wq:{subject}).
 */
export const ATTEMPTED = `
local p, s, id = ARGV[1], ARGV[2], ARGV[3]
local k = p .. 'e:' .. id
${RESTATE}
if ARGV[4] ~= '' and redis.call('EXISTS', k) == 1 then
  redis.call('RPUSH', k .. ':att', ARGV[4])
  redis.call('HDEL', k, 'hd')
  redis.call('SREM', p .. 'pk:' .. s, id)
  if ARGV[5] == 'ok' then
    redis.call('HSET', k, 'st', 'DELIVERED')
    restate(p, id, 'delivered')
  elseif ARGV[5] == 'fail' then
    redis.call('HSET', k, 'st', 'FAILED')
    restate(p, id, 'gave_up')
  else
    redis.call('ZADD', p .. 'wr', tonumber(ARGV[6]), id)
    restate(p, id, 'retrying')
  end
end
if ARGV[7] == '0' then
  if redis.call('LINDEX', p .. 'wq:' .. s, 0) == id then redis.call('LPOP', p .. 'wq:' .. s) end
else
  redis.call('ZREM', p .. 'wr:lease', id)
end
return 1
`

/**
 * A replay's attempt: ARGV prefix, event id, attempt JSON, outcome (ok | refused), the URL it went to.
 * Acknowledged, the delivery is delivered; refused, a delivery still owed reads as retrying (its last
 * attempt failed) and any other keeps its state. Its scheduled attempts are not touched.
 */
export const REPLAYED = `
local p, id = ARGV[1], ARGV[2]
local k = p .. 'e:' .. id
${RESTATE}
if redis.call('EXISTS', k) == 0 then return 0 end
redis.call('RPUSH', k .. ':att', ARGV[3])
redis.call('HSET', k, 'u', ARGV[5])
if ARGV[4] == 'ok' then
  redis.call('HSET', k, 'st', 'DELIVERED')
  restate(p, id, 'delivered')
elseif redis.call('HGET', k, 'st') == 'PENDING' then
  restate(p, id, 'retrying')
end
return 1
`

/**
 * A webhook fault rule holds an event back (delay, reorder): ARGV prefix, subject, event id, the label
 * its attempt will record, until (sandbox ms), retry (1: from wr, 0: a first attempt from wq:{subject}),
 * reorder (1: parked until the subject's next event has been sent). It waits in the retry set, due then.
 */
export const HOLD = `
local p, s, id = ARGV[1], ARGV[2], ARGV[3]
local k = p .. 'e:' .. id
if redis.call('EXISTS', k) == 1 then
  redis.call('HSET', k, 'hd', ARGV[4])
  redis.call('ZADD', p .. 'wr', tonumber(ARGV[5]), id)
  if ARGV[7] == '1' then redis.call('SADD', p .. 'pk:' .. s, id) end
end
if ARGV[6] == '0' then
  if redis.call('LINDEX', p .. 'wq:' .. s, 0) == id then redis.call('LPOP', p .. 'wq:' .. s) end
else
  redis.call('ZREM', p .. 'wr:lease', id)
end
return 1
`

/** A subject's next event has been sent: what a reorder fault parked is due now. ARGV prefix, subject. */
export const UNPARK = `
local p, s = ARGV[1], ARGV[2]
for _, id in ipairs(redis.call('SMEMBERS', p .. 'pk:' .. s)) do
  if redis.call('ZSCORE', p .. 'wr', id) then redis.call('ZADD', p .. 'wr', 0, id) end
end
redis.call('DEL', p .. 'pk:' .. s)
return 1
`

/** A replica is done with a subject for now: ARGV prefix, subject. Owed events left make it workable again. */
export const RELEASE = `
local p, s = ARGV[1], ARGV[2]
redis.call('ZREM', p .. 'wq:lease', s)
if redis.call('LLEN', p .. 'wq:' .. s) > 0 then redis.call('ZADD', p .. 'wq', 'NX', 0, s) end
return 1
`

/**
 * An idempotency key arrives: ARGV prefix, key, merchant, fingerprint, sandbox now, ttlMs, leaseMs.
 * Unknown or expired (in sandbox time): taken, in progress, with a lease so a dead replica's key frees
 * itself → {'new'}. Known → {'old', fp, sc or ''}, ct, b.
 */
export const IDEM_BEGIN = `
local p = ARGV[1]
local k = p .. 'idem:' .. ARGV[2]
local r = redis.call('HMGET', k, 'fp', 'at', 'sc', 'ct', 'b')
if r[1] and tonumber(ARGV[5]) < tonumber(r[2]) + tonumber(ARGV[6]) then
  return { 'old', r[1], r[3] or '', r[4] or '', r[5] or '' }
end
redis.call('DEL', k)
redis.call('HSET', k, 'fp', ARGV[4], 'at', ARGV[5])
redis.call('PEXPIRE', k, tonumber(ARGV[7]))
redis.call('SADD', p .. 'm:' .. ARGV[3] .. ':idem', ARGV[2])
return { 'new' }
`

/** An answer given outside a commit, or none (4xx, abort): ARGV prefix, key, fp, then sc, ct, b, ttlMs or nothing. */
export const IDEM_END = `
local p = ARGV[1]
local k = p .. 'idem:' .. ARGV[2]
if redis.call('HGET', k, 'fp') ~= ARGV[3] or redis.call('HEXISTS', k, 'sc') == 1 then return 0 end
if #ARGV == 3 then redis.call('DEL', k) return 1 end
redis.call('HSET', k, 'sc', ARGV[4], 'ct', ARGV[5], 'b', ARGV[6])
redis.call('PEXPIRE', k, tonumber(ARGV[7]))
return 1
`

/** DELETE /sandbox/data: ARGV prefix, merchant → {charges, agreements, events}; its fault rules go too. O(the merchant's data). */
export const RESET = `
local p, m = ARGV[1], ARGV[2]
${UNINDEX_EVENT}
local mk = p .. 'm:' .. m .. ':'
local counts = { 0, 0, 0 }
for i, kind in ipairs({ 'ch', 'ag', 'se' }) do
  local ids = redis.call('LRANGE', mk .. kind, 0, -1)
  if i <= 2 then counts[i] = #ids end
  for _, id in ipairs(ids) do
    redis.call('DEL', p .. 'd:' .. id, p .. 'wq:' .. id, p .. 'sv:' .. id, p .. 'pk:' .. id)
    redis.call('ZREM', p .. 'due', id)
    redis.call('ZREM', p .. 'due:lease', id)
    redis.call('ZREM', p .. 'wq', id)
    redis.call('ZREM', p .. 'wq:lease', id)
  end
end
local evs = redis.call('LRANGE', mk .. 'ev', 0, -1)
counts[3] = #evs
for _, id in ipairs(evs) do
  unindexEvent(p, mk, id, true)
  redis.call('DEL', p .. 'e:' .. id, p .. 'e:' .. id .. ':att')
  redis.call('ZREM', p .. 'wr', id)
  redis.call('ZREM', p .. 'wr:lease', id)
end
for _, ix in ipairs(redis.call('SMEMBERS', mk .. 'ix')) do redis.call('DEL', mk .. ix) end
for _, k in ipairs(redis.call('SMEMBERS', mk .. 'idem')) do redis.call('DEL', p .. 'idem:' .. k) end
redis.call('DEL', mk .. 'ix', mk .. 'idem', mk .. 'ev', mk .. 'evz', mk .. 'n:ev')
for _, x in ipairs({ 'pending', 'retrying', 'delivered', 'gave_up', 'not_sent' }) do redis.call('DEL', mk .. 'evs:' .. x) end
redis.call('SREM', p .. 'merchants', m)
for _, id in ipairs(redis.call('HKEYS', p .. 'f:' .. m)) do redis.call('DEL', p .. 'f:' .. m .. ':' .. id) end
redis.call('DEL', p .. 'f:' .. m)
redis.call('SREM', p .. 'f:merchants', m)
return counts
`

/** POST /sandbox/clock: ARGV prefix, ms → {wall, new offset}. */
export const ADVANCE = `
local p = ARGV[1]
local off = redis.call('INCRBY', p .. 'clock', ARGV[2])
local t = redis.call('TIME')
return { tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), off }
`

/**
 * Retention forgets a finished charge: ARGV prefix, merchant, id, version it was judged at, its index
 * lists (JSON), its sorted-set entries (JSON, as a commit writes them). Nothing if it changed meanwhile
 * (→ 0). Its events and attempts go with it. Lists are searched from their old end, where retention's
 * charges are.
 */
export const FORGET = `
local p, m, id = ARGV[1], ARGV[2], ARGV[3]
${UNINDEX_EVENT}
local k = p .. 'd:' .. id
if tonumber(redis.call('HGET', k, 'v') or '0') ~= tonumber(ARGV[4]) then return 0 end
if redis.call('LLEN', p .. 'wq:' .. id) > 0 then return 0 end
local mk = p .. 'm:' .. m .. ':'
for _, ix in ipairs(cjson.decode(ARGV[5])) do redis.call('LREM', mk .. ix, 1, id) end
for _, z in ipairs(cjson.decode(ARGV[6])) do redis.call('ZREM', mk .. z[1], z[2] == '' and id or z[2]) end
for _, ev in ipairs(redis.call('LRANGE', p .. 'sv:' .. id, 0, -1)) do
  unindexEvent(p, mk, ev, false)
  redis.call('DEL', p .. 'e:' .. ev, p .. 'e:' .. ev .. ':att')
  redis.call('LREM', mk .. 'ev', 1, ev)
  redis.call('ZREM', p .. 'wr', ev)
end
redis.call('DEL', k, p .. 'sv:' .. id, p .. 'pk:' .. id)
redis.call('ZREM', p .. 'due', id)
return 1
`

/**
 * A page of one of the dashboard's lists, newest first, from its sorted sets: ARGV prefix, merchant,
 * cursor (the highest number to read; -1: from the newest), limit, budget (most candidates read), JSON
 * {g, x, t, all}:
 *   g    groups of sets (relative to m:{m}:): a record is listed when it is in one set of every group
 *        (the statuses asked for, an agreement's charges, an event type…); the smallest group drives
 *   x    [text set, lowercased prefix]: the candidates are the text entries starting with it instead
 *   t    events only: the lowest event time (sandbox ms)
 *   all  the set of every record, for the total and the numbers of text matches
 * → {total, next number to read (-1: none), ids…}. Only candidates are read, never the merchant's
 * other records.
 */
export const PAGE = `
local p, m = ARGV[1], ARGV[2]
local mk = p .. 'm:' .. m .. ':'
local cur, limit, budget = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local u = cjson.decode(ARGV[6])
local total = redis.call('ZCARD', mk .. u.all)
local out = { total, -1 }
local found, read, lastRead, lastFound = 0, 0, nil, nil
local function inGroup(g, id)
  for _, k in ipairs(g) do if redis.call('ZSCORE', mk .. k, id) then return true end end
  return false
end
local function matches(id, skip)
  for i, g in ipairs(u.g) do if i ~= skip and not inGroup(g, id) then return false end end
  if u.t then
    local tm = tonumber(redis.call('HGET', p .. 'e:' .. id, 'tm') or '0')
    if tm < u.t then return false end
  end
  return true
end
-- One candidate, newest first: false once the page is full or the budget spent.
local function take(score, id, skip)
  if found >= limit or read >= budget then return false end
  read = read + 1
  lastRead = score
  if matches(id, skip) then
    found = found + 1
    lastFound = score
    out[#out + 1] = id
  end
  return true
end
local exhausted = true
if u.x then
  local seen, cands = {}, {}
  local nul = string.char(0)
  for _, mem in ipairs(redis.call('ZRANGEBYLEX', mk .. u.x[1], '[' .. u.x[2], '[' .. u.x[2] .. string.char(255), 'LIMIT', 0, budget)) do
    local at = string.find(mem, nul, 1, true)
    local id = at and string.sub(mem, at + 1) or nil
    if id and not seen[id] then
      seen[id] = true
      local s = tonumber(redis.call('ZSCORE', mk .. u.all, id) or '-1')
      if s >= 0 and (cur < 0 or s <= cur) then cands[#cands + 1] = { s, id } end
    end
  end
  table.sort(cands, function(a, b) return a[1] > b[1] end)
  for i, c in ipairs(cands) do
    if not take(c[1], c[2], 0) then exhausted = false break end
  end
else
  local drive, size = 0, nil
  for i, g in ipairs(u.g) do
    local n = 0
    for _, k in ipairs(g) do n = n + redis.call('ZCARD', mk .. k) end
    if not size or n < size then drive, size = i, n end
  end
  local keys = drive > 0 and u.g[drive] or { u.all }
  local top = cur < 0 and '+inf' or cur
  local batch = 100
  while true do
    local got = {}
    for _, k in ipairs(keys) do
      local r = redis.call('ZREVRANGEBYSCORE', mk .. k, top, '-inf', 'WITHSCORES', 'LIMIT', 0, batch)
      for i = 1, #r, 2 do got[#got + 1] = { tonumber(r[i + 1]), r[i] } end
    end
    table.sort(got, function(a, b) return a[1] > b[1] end)
    -- The first \`batch\` of the merged sets are every set's newest below \`top\`; past them a set may have more.
    local n = math.min(batch, #got)
    local stopped = false
    for i = 1, n do
      if not take(got[i][1], got[i][2], drive) then stopped = true break end
    end
    if stopped then exhausted = false break end
    if #got <= batch and n < batch then break end
    top = got[n][1] - 1
    if top < 0 then break end
  end
end
-- As the in-memory list answers: after a full page, from below its last record; after a spent budget,
-- from below the last one read; when nothing older is left, no next page.
if found >= limit and lastFound then out[2] = lastFound - 1
elseif not exhausted and lastRead then out[2] = lastRead - 1 end
return out
`

/**
 * A feed message, numbered for every replica: ARGV prefix, channel, merchant, the message (JSON). The
 * merchant's number (fs:{m}, kept across resets, so readers resume cleanly) goes up by one and the
 * message goes out on the channel as `{seq} {message}`, in that order to every replica. → the number.
 */
export const FEED = `
local p = ARGV[1]
local seq = redis.call('INCR', p .. 'fs:' .. ARGV[3])
redis.call('PUBLISH', ARGV[2], seq .. ' ' .. ARGV[4])
return seq
`

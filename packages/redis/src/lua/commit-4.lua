--[[
  commit: moves ONE staged chunk of an exactly-once sink transaction into the sink's target, and
  marks the transaction committed once its stage is exhausted.

  Guarantee: atomic per chunk. The chunk leaves the stage (LPOP) in the same script that writes
  its entries to the target, so a crash between two calls leaves every entry either in the stage
  or in the target, never in both and never in neither; calling again continues where the last
  call stopped. Once the marker names the transaction, every further call is a no-op: a repeated
  commit (after a restore) writes nothing twice. One call runs for about `entries per chunk` target
  writes: the caller sizes chunks so that no call holds Redis for more than ~20 ms.

  Fencing: a writer whose epoch is below the sink's fence (a later attempt or run of the job has
  opened the sink since) is refused before anything is read or written, so a zombie never commits.

  A stage that is gone while the marker does not name the transaction and chunks were staged
  (another writer of this sink subtask removed it as lingering, or someone deleted it) fails the
  commit: the marker is not set, so the loss is never mistaken for a commit.

  KEYS[1] stage: list; each element is one chunk, a msgpack array of entries (the shapes are
          in includes/write-entries.lua)
  KEYS[2] commit markers of the subtask that began the transaction: zset, member = txn id,
          score = the checkpoint the transaction began after
  KEYS[3] target: the stream, list or hash the sink writes
  KEYS[4] fence of the sink: string, the largest epoch a writer of the sink opened with

  ARGV[1] txn id
  ARGV[2] marker score (checkpoint id the transaction began after)
  ARGV[3] target kind: 'stream' | 'list' | 'hset' | 'hincrby'
  ARGV[4] stream MAXLEN (approximate, `~`); '0' for no trimming
  ARGV[5] markers to keep per subtask (older ones are pruned)
  ARGV[6] chunks the transaction staged in all; '-1' when unknown (a transaction stored by an
          older Weir: a missing stage then counts as empty)
  ARGV[7] the committing writer's fencing epoch

  Returns { status, entries moved by this call }
    status 'more'      chunks remain in the stage: call again
           'committed' the stage is exhausted and the marker is set
           'duplicate' the marker already named the transaction: nothing was written
  Errors  WEIRFENCED    the fence holds a larger epoch: nothing was written
          WEIRSTAGELOST the stage is gone and the transaction was never committed: nothing was written
]]
-- @include write-entries.lua

local stage, markers, target, fence = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local txn = ARGV[1]
local expected = tonumber(ARGV[6])
local epoch = tonumber(ARGV[7])

local fenced = tonumber(redis.call('GET', fence) or '-1')
if fenced > epoch then
  return redis.error_reply('WEIRFENCED sink fence ' .. fence .. ' holds epoch ' .. fenced ..
    ', above this writer\'s epoch ' .. epoch .. ': a later attempt or run of the job owns the sink, ' ..
    'so this writer may not commit transaction ' .. txn ..
    ' (if the job\'s checkpoint storage was reset or replaced, delete ' .. fence .. ')')
end

if redis.call('ZSCORE', markers, txn) then
  return { 'duplicate', 0 }
end

local moved = 0
local chunk = redis.call('LPOP', stage)
if chunk then
  moved = writeEntries(target, ARGV[3], tonumber(ARGV[4]), cmsgpack.unpack(chunk))
elseif expected > 0 then
  return redis.error_reply('WEIRSTAGELOST stage ' .. stage .. ' of transaction ' .. txn .. ' is gone: ' ..
    expected .. ' chunks were staged and the transaction was never committed (another writer of ' ..
    'this sink subtask removed it, or it was deleted); nothing was written')
end

if redis.call('EXISTS', stage) == 1 then
  return { 'more', moved }
end

redis.call('ZADD', markers, ARGV[2], txn)
local keep = tonumber(ARGV[5])
local count = redis.call('ZCARD', markers)
if count > keep then
  redis.call('ZREMRANGEBYRANK', markers, 0, count - keep - 1)
end
return { 'committed', moved }

--[[
  adopt: moves items from the head of a stranded processing list (registered, but named by no
  subtask of the restored checkpoint) to the end of the adopting subtask's claim list, as if they
  had just been claimed there, and unregisters the stranded list once it is empty.

  A stranded list's items were claimed by a run that died before a checkpoint covered them, so
  no restored state reflects them: they are delivered again, from the adopter's list, after what
  it replays. Dead-lettered items stay tombstones (see `dead-letter-3.lua`), so moving them writes
  no letter twice.

  Guarantee: atomic per call; an item is at every instant in exactly one of the two lists. The
  stranded list's `trimmed` grows by the items moved, so its absolute offsets stay valid (an old
  savepoint that names it finds them trimmed). Call again while it returns items left.

  KEYS[1] the stranded processing list
  KEYS[2] its bookkeeping hash (field `trimmed`)
  KEYS[3] the adopting subtask's claim list
  KEYS[4] the registry of the source's processing lists

  ARGV[1] most items to move in this call (1..5000)

  Returns { items moved, items left in KEYS[1] }.
]]
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
local n = #items
if n > 0 then
  redis.call('RPUSH', KEYS[3], unpack(items))
  redis.call('LTRIM', KEYS[1], n, -1)
  redis.call('HINCRBY', KEYS[2], 'trimmed', n)
  redis.call('SADD', KEYS[4], KEYS[3])
end
local left = redis.call('LLEN', KEYS[1])
if left == 0 then
  redis.call('SREM', KEYS[4], KEYS[1])
end
return { n, left }

--[[
  trim: removes from the head of a processing list every item whose absolute offset is below a
  target, and counts them in the list's bookkeeping hash, in one step.

  Offsets are absolute: the item at index i of the list (0 = head) has offset `trimmed + i`, where
  `trimmed` (a field of KEYS[2]) counts every item ever removed from the head. Checkpoints hold
  absolute offsets, so they stay valid however much is trimmed later.

  Guarantee: atomic and idempotent. The list and its count change together, so a crash leaves
  them consistent; a target at or below `trimmed` changes nothing, so repeating a trim is safe.
  The caller trims only up to what every retained complete checkpoint is past.

  KEYS[1] processing list
  KEYS[2] its bookkeeping hash; field `trimmed` (missing = 0)

  ARGV[1] target: absolute offset to trim to (items with offset < target are removed)

  Returns the new `trimmed`. Fails with WEIRCONFLICT if the list holds fewer items than the trim
  would remove (it was changed behind its reader's back); nothing is changed then.
]]
local trimmed = tonumber(redis.call('HGET', KEYS[2], 'trimmed') or '0')
local target = tonumber(ARGV[1])
local n = target - trimmed
if n <= 0 then
  return trimmed
end
local len = redis.call('LLEN', KEYS[1])
if n > len then
  return redis.error_reply('WEIRCONFLICT processing list ' .. KEYS[1] .. ' holds ' .. len ..
    ' items, fewer than the ' .. n .. ' to trim to offset ' .. target)
end
redis.call('LTRIM', KEYS[1], n, -1)
redis.call('HSET', KEYS[2], 'trimmed', target)
return target

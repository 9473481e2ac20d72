--[[
  claim: moves up to N items from a queue into a list source subtask's processing list, registers
  that list, and returns the items.

  Guarantee: atomic. An item is at every instant in exactly one of the queue and the processing
  list, never only in the memory of a worker: a worker that dies after the call loses nothing, its
  items wait in the processing list, where the source replays them from its checkpointed offset.
  Producers `LPUSH` to the queue; items leave it from the right (oldest first) and are appended to
  the right of the processing list, so a processing list holds items in claim order and its head
  is the oldest (the end `trim-2.lua` removes from).

  A list that receives items is in the registry (KEYS[3]) from the same instant: a restore that
  finds a registered list its checkpoint does not name (a wider run died before its first
  checkpoint) hands it to a subtask (`adopt-4.lua`), so no claimed item is stranded.

  KEYS[1] queue: the list producers push to
  KEYS[2] processing list of the claiming subtask
  KEYS[3] registry of the source's processing lists (a set of their names)

  ARGV[1] most items to move (1..5000)
  ARGV[2] length the caller expects the processing list to have before the move; '-1' to skip the
          check. Only one reader may write a processing list: a different length means another
          reader did (two jobs, or a reader of a failed attempt still running), and the call moves
          nothing and fails with WEIRCONFLICT.

  Returns the moved items, oldest first; empty when the queue is empty.
]]
local expected = tonumber(ARGV[2])
if expected >= 0 then
  local len = redis.call('LLEN', KEYS[2])
  if len ~= expected then
    return redis.error_reply('WEIRCONFLICT processing list ' .. KEYS[2] .. ' holds ' .. len ..
      ' items where its reader expected ' .. expected .. ': another reader wrote it')
  end
end
local items = redis.call('RPOP', KEYS[1], tonumber(ARGV[1]))
if not items then
  return {}
end
redis.call('RPUSH', KEYS[2], unpack(items))
redis.call('SADD', KEYS[3], KEYS[2])
return items

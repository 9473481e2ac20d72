--[[
  dead-letter: appends the letters of undecodable items of a list source's processing list to a
  dead-letter list, and replaces each such item in the processing list with a tombstone, once per
  item.

  Guarantee: atomic and idempotent per source position. An item whose letter is written becomes
  the tombstone (ARGV[1]) in the same step; a letter for an item that already is one is skipped.
  Replays after a restore (the crash came before a checkpoint covered the item) and items moved
  by `adopt-4.lua` therefore write each letter exactly once; readers deliver a tombstone as
  nothing. The list keeps its length, so offsets and `trim-2.lua` are unaffected.

  Offsets are absolute (see `trim-2.lua`): the item at offset o is at index o - trimmed.

  KEYS[1] the dead-letter list
  KEYS[2] the processing list
  KEYS[3] its bookkeeping hash (field `trimmed`)

  ARGV[1] the tombstone
  ARGV[2], ARGV[3], ... pairs: absolute offset of the item, encoded letter

  Returns the number of letters written. Fails with WEIRCONFLICT if an offset is past the end of
  the list (it was changed behind its reader's back); letters before it are written.
]]
local trimmed = tonumber(redis.call('HGET', KEYS[3], 'trimmed') or '0')
local written = 0
for i = 2, #ARGV - 1, 2 do
  local index = tonumber(ARGV[i]) - trimmed
  -- Below 0 the item was trimmed: a complete checkpoint covered it, so it was handled already.
  if index >= 0 then
    local item = redis.call('LINDEX', KEYS[2], index)
    if not item then
      return redis.error_reply('WEIRCONFLICT processing list ' .. KEYS[2] .. ' has no item at offset ' .. ARGV[i] ..
        ': it was changed outside its reader')
    end
    if item ~= ARGV[1] then
      redis.call('RPUSH', KEYS[1], ARGV[i + 1])
      redis.call('LSET', KEYS[2], index, ARGV[1])
      written = written + 1
    end
  end
end
return written

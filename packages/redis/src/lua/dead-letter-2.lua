--[[
  dead-letter: appends the letters of undecodable stream entries to a dead-letter list, once per
  entry.

  Guarantee: atomic and idempotent per source position. The positions hash (KEYS[2]) keeps, per
  stream, the id of the last entry whose letter is in the list; a letter for an id at or below it
  is skipped. A reader dead-letters the entries of a stream in id order, so a restore that replays
  entries dead-lettered after its checkpoint (the crash came before a checkpoint covered them)
  writes nothing for them: each entry's letter is in the list exactly once.

  KEYS[1] the dead-letter list
  KEYS[2] its positions hash: field = stream name, value = last entry id dead-lettered

  ARGV[1] the stream the entries come from (the hash field)
  ARGV[2], ARGV[3], ... pairs: entry id (`<ms>-<seq>`, ascending), encoded letter

  Returns the number of letters written.
]]

-- Compares two non-negative decimal strings of any length without converting them to numbers
-- (an id's parts are 64-bit, past a Lua number's exact range).
local function cmpDecimal(a, b)
  if #a ~= #b then
    return #a < #b and -1 or 1
  end
  if a == b then
    return 0
  end
  return a < b and -1 or 1
end

local function cmpId(a, b)
  local ams, aseq = string.match(a, '^(%d+)-(%d+)$')
  local bms, bseq = string.match(b, '^(%d+)-(%d+)$')
  local c = cmpDecimal(ams, bms)
  if c ~= 0 then
    return c
  end
  return cmpDecimal(aseq, bseq)
end

local last = redis.call('HGET', KEYS[2], ARGV[1])
local written = 0
for i = 2, #ARGV - 1, 2 do
  local id = ARGV[i]
  if not last or cmpId(id, last) > 0 then
    redis.call('RPUSH', KEYS[1], ARGV[i + 1])
    last = id
    written = written + 1
  end
end
if written > 0 then
  redis.call('HSET', KEYS[2], ARGV[1], last)
end
return written

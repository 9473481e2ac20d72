--[[
  replay: moves dead letters back to a queue or stream: each letter leaves the dead-letter list and
  its payload is written to the target in the same step.

  Guarantee: atomic per call, and exactly once per letter. A letter is found by its exact bytes (at
  the index the caller read it at, or, when the list changed since, wherever LPOS finds it) and
  removed from the dead-letter list by the same script that writes its payload, so at every
  instant a letter is either still in the list (not replayed) or gone from it and in the target
  (replayed): never both, never neither. Its absence from the list is the mark that it was
  replayed. A replay killed between two calls and started again reads the list again and finds
  only the letters not yet moved; two replays at once cannot move one letter twice (the second
  finds it gone). Two letters with the same bytes are interchangeable: each call moves at most as
  many copies as it names, and each copy at most once.

  Nothing outside the call ever sees the marker: moved letters are replaced by it (LSET keeps the
  indices of the letters after them) and all markers are removed before the script returns.
  Letters the job appends meanwhile go to the tail and shift no index.

  KEYS[1] the dead-letter list
  KEYS[2] the target: a list (LPUSH, as the producers of a list source push; the oldest replayed
          letter is taken first) or a stream (XADD *, the payload in field ARGV[2])
  KEYS[3] the replay counts of the dead-letter list: a hash, field = target, value = letters
          replayed to it so far

  ARGV[1] target kind: 'list' | 'stream'
  ARGV[2] the stream field that holds the payload (ignored for a list)
  ARGV[3] the marker: a value no element of the list equals (unique per call)
  ARGV[4], ARGV[5], ARGV[6], ... triples: index of the letter in the list (0 = head) where the
          caller expects it (a hint: a wrong one costs an LPOS scan), the letter's exact bytes, the
          payload to write

  Returns { moved, gone }: a gone letter was no longer in the list (another replay or a purge took
  it, or it was deleted by hand). Fails with WEIRTYPE, changing nothing, when the target exists and is
  not of the kind asked for, or is the dead-letter list itself. If a write to the target fails
  (out of memory), the letters moved before it stay moved, the markers are removed, and the error
  names how many moved.
]]
local kind = ARGV[1]
if KEYS[1] == KEYS[2] then
  return redis.error_reply('WEIRTYPE cannot replay ' .. KEYS[1] .. ' into itself')
end
local existing = redis.call('TYPE', KEYS[2])['ok']
if existing ~= 'none' and existing ~= kind then
  return redis.error_reply('WEIRTYPE ' .. KEYS[2] .. ' is a ' .. existing .. ', not a ' .. kind)
end

local moved, gone = 0, 0
local failure = nil
for i = 4, #ARGV - 2, 3 do
  local index = tonumber(ARGV[i])
  if redis.call('LINDEX', KEYS[1], index) ~= ARGV[i + 1] then
    index = redis.call('LPOS', KEYS[1], ARGV[i + 1])
  end
  if index then
    local ok
    if kind == 'list' then
      ok = redis.pcall('LPUSH', KEYS[2], ARGV[i + 2])
    else
      ok = redis.pcall('XADD', KEYS[2], '*', ARGV[2], ARGV[i + 2])
    end
    if type(ok) == 'table' and ok.err then
      failure = ok.err
      break
    end
    redis.call('LSET', KEYS[1], index, ARGV[3])
    moved = moved + 1
  else
    gone = gone + 1
  end
end

if moved > 0 then
  redis.call('LREM', KEYS[1], moved, ARGV[3])
  redis.call('HINCRBY', KEYS[3], KEYS[2], moved)
end
if failure then
  return redis.error_reply('WEIRREPLAY ' .. moved .. ' letters moved, then writing to ' .. KEYS[2] .. ' failed: ' .. failure)
end
return { moved, gone }

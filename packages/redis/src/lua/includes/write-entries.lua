--[[
  writeEntries(target, kind, maxLen, entries): writes decoded chunk entries to a sink's target.
  Shared by commit-4.lua (exactly-once) and append-1.lua (at-least-once).

  kind 'stream'  entries = { {field, value, ...}, ... }  one XADD each (MAXLEN ~ maxLen when > 0)
       'list'    entries = { value, ... }                RPUSH, 1,000 values per call
       'hset'    entries = { field, value, ... }         HSET, 500 pairs per call
       'hincrby' entries = { field, increment, ... }     HINCRBY each
  Returns the number of records (stream entries, list values, hash fields) written.
]]
local function writeEntries(target, kind, maxLen, entries)
  local SLICE = 1000 -- arguments per variadic call: well below Lua's C stack limit
  local n = #entries
  if kind == 'stream' then
    for i = 1, n do
      if maxLen > 0 then
        redis.call('XADD', target, 'MAXLEN', '~', maxLen, '*', unpack(entries[i]))
      else
        redis.call('XADD', target, '*', unpack(entries[i]))
      end
    end
    return n
  elseif kind == 'list' then
    for i = 1, n, SLICE do
      redis.call('RPUSH', target, unpack(entries, i, math.min(i + SLICE - 1, n)))
    end
    return n
  elseif kind == 'hset' then
    for i = 1, n, SLICE do
      redis.call('HSET', target, unpack(entries, i, math.min(i + SLICE - 1, n)))
    end
    return n / 2
  elseif kind == 'hincrby' then
    for i = 1, n, 2 do
      redis.call('HINCRBY', target, entries[i], entries[i + 1])
    end
    return n / 2
  end
  error('weir: unknown sink target kind ' .. tostring(kind))
end

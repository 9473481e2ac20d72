--[[
  discard: deletes everything at a checkpoint or savepoint location.

  Guarantee: atomic and idempotent. The metadata goes with everything else, so a location is
  complete, or gone, never half deleted; `_created` goes too, so from then on write-state-3.lua
  and finalize-4.lua refuse to write below it. Discarding what is gone deletes nothing.

  The state keys are read from KEYS[2] and are not declared: they are `ARGV[1] .. <name>`, all
  below the same root (standalone Redis; a Cluster would need the root in a hash tag).

  KEYS[1] the location's `_created` key
  KEYS[2] the location's `_names` set
  KEYS[3] the location's `_metadata` key
  KEYS[4] the job's checkpoint index (zset)

  ARGV[1] prefix of the location's state keys (`<root>:state:`)
  ARGV[2] the index member to remove (the checkpoint id); '' for a savepoint

  Returns the number of keys deleted.
]]
local created, names, metadata, index = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local deleted = redis.call('UNLINK', metadata, created)
local members = redis.call('SMEMBERS', names)
local SLICE = 1000
for i = 1, #members, SLICE do
  local keys = {}
  for j = i, math.min(i + SLICE - 1, #members) do
    keys[#keys + 1] = ARGV[1] .. members[j]
  end
  deleted = deleted + redis.call('UNLINK', unpack(keys))
end
deleted = deleted + redis.call('UNLINK', names)
if ARGV[2] ~= '' then
  redis.call('ZREM', index, ARGV[2])
end
return deleted

--[[
  write-state: stores one state handle's bytes in a checkpoint or savepoint location, and records
  its name, only while the location exists.

  Guarantee: atomic. The bytes and the name are written together, and only if the location's
  `_created` key is still there: an upload that outlives its checkpoint (aborted, subsumed,
  discarded while the upload ran) cannot re-create keys below a location that `discard-4.lua`
  removed, so nothing is orphaned and a later run reusing the checkpoint id finds it clean.
  Two handles of one location never share a name: a second write of a name is refused.

  KEYS[1] the location's `_created` key (string)
  KEYS[2] the state key to write (string)
  KEYS[3] the location's `_names` set (the names discard-4.lua deletes)

  ARGV[1] the state name (a member of KEYS[3])
  ARGV[2] the bytes

  Returns 1.
  Errors  WEIRDISCARDED the location does not exist (never created, or discarded): nothing written
          WEIREXISTS    the name was written before: nothing written
]]
local created, state, names = KEYS[1], KEYS[2], KEYS[3]
if redis.call('EXISTS', created) == 0 then
  return redis.error_reply('WEIRDISCARDED ' .. created .. ' is gone: the location was discarded (or never created), ' ..
    'so state ' .. ARGV[1] .. ' is not written')
end
if redis.call('SET', state, ARGV[2], 'NX') == false then
  return redis.error_reply('WEIREXISTS state ' .. state .. ' already exists')
end
redis.call('SADD', names, ARGV[1])
return 1

--[[
  finalize: writes a checkpoint's metadata, which makes it complete, and lists it in the job's
  index, if the location still exists and, when the writer holds the job lease, the lease is
  still the writer's.

  Guarantee: atomic. A reader sees no metadata or all of it, and the index entry with it. A run
  that lost the job lease (another run took the job over, its renewal lapsed) cannot complete a
  checkpoint, even one it began before: the check and the write are one step, so no paused
  process slips a `_metadata` in after the new holder took over. A discarded location is not
  brought back.

  KEYS[1] the location's `_created` key
  KEYS[2] the location's `_metadata` key
  KEYS[3] the job's checkpoint index (zset)
  KEYS[4] the job lease (hash: token, epoch, pid, host, since)

  ARGV[1] the metadata bytes
  ARGV[2] the index member and score (the checkpoint id); '' for a savepoint (not indexed)
  ARGV[3] the writer's lease token; '' when it holds no lease (nothing is checked)
  ARGV[4] the writer's lease epoch

  Returns 1.
  Errors  WEIRLEASELOST the lease is not the writer's any more: nothing written
          WEIRDISCARDED the location was discarded or never created: nothing written
]]
local created, metadata, index, lease = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
if ARGV[3] ~= '' then
  local current = redis.call('HMGET', lease, 'token', 'epoch', 'pid', 'host')
  if current[1] ~= ARGV[3] or current[2] ~= ARGV[4] then
    local now = current[1] and ('held by pid ' .. tostring(current[3]) .. ' on ' .. tostring(current[4]) ..
      ' with epoch ' .. tostring(current[2])) or 'not held by anyone'
    return redis.error_reply('WEIRLEASELOST the job lease ' .. lease .. ' is ' .. now ..
      ', not by this run (epoch ' .. ARGV[4] .. '): ' .. metadata .. ' is not written')
  end
end
if redis.call('EXISTS', created) == 0 then
  return redis.error_reply('WEIRDISCARDED ' .. created .. ' is gone: the location was discarded (or never created), ' ..
    'so ' .. metadata .. ' is not written')
end
redis.call('SET', metadata, ARGV[1])
if ARGV[2] ~= '' then
  redis.call('ZADD', index, ARGV[2], ARGV[2])
end
return 1

--[[
  release-lease: gives the job lease up, if the caller holds it.

  Guarantee: atomic. Deletes the lease only when its token is the caller's: a run that was taken
  over never removes its successor's lease. The epoch counter stays.

  KEYS[1] the job lease: hash { token, epoch, pid, host, since }

  ARGV[1] the caller's token

  Returns 1 when released, 0 when the lease was not the caller's (nothing changed).
]]
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1

--[[
  advance-lease: moves the caller's job lease to the next fencing epoch (once per attempt of a
  run), so that what an earlier attempt left running is fenced like another run would be.

  Guarantee: atomic. Only the holder advances (token and epoch match), and the epoch counter only
  grows (INCR): the new epoch is above every epoch handed out before.

  KEYS[1] the job lease: hash { token, epoch, pid, host, since }
  KEYS[2] the job's epoch counter (no TTL)

  ARGV[1] the caller's token
  ARGV[2] the caller's current epoch
  ARGV[3] ttl in milliseconds (renewed on the way)

  Returns the new epoch.
  Errors  WEIRLEASELOST the lease is not the caller's: nothing changed
]]
local lease, counter = KEYS[1], KEYS[2]
local current = redis.call('HMGET', lease, 'token', 'epoch')
if current[1] ~= ARGV[1] or current[2] ~= ARGV[2] then
  return redis.error_reply('WEIRLEASELOST the job lease ' .. lease .. ' is not held by this run (epoch ' .. ARGV[2] ..
    ') any more: it expired or another run took the job over')
end
local epoch = redis.call('INCR', counter)
redis.call('HSET', lease, 'epoch', epoch)
redis.call('PEXPIRE', lease, ARGV[3])
return epoch

--[[
  renew-lease: extends the TTL of the job lease, if the caller still holds it.

  Guarantee: atomic. Renews only the caller's own lease (token and epoch match): a run that was
  taken over, or whose lease expired, never revives it, and learns that it lost it.

  KEYS[1] the job lease: hash { token, epoch, pid, host, since }

  ARGV[1] the caller's token
  ARGV[2] the caller's epoch
  ARGV[3] ttl in milliseconds

  Returns 1 when renewed, 0 when the lease is not the caller's (lost).
]]
local current = redis.call('HMGET', KEYS[1], 'token', 'epoch')
if current[1] ~= ARGV[1] or current[2] ~= ARGV[2] then
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1

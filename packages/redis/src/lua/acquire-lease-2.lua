--[[
  acquire-lease: takes a job's lease when nobody holds it (or when the caller takes it over from a
  holder it found dead), and hands out the next fencing epoch with it.

  Guarantee: atomic. At most one holder at a time: the lease is a hash that exists only while
  held, with a TTL its holder renews (renew-lease-1.lua), so a holder that stops renewing loses it
  after `ttl`. A takeover is a compare-and-swap on the token the caller saw: if anyone renewed or
  took the lease since, it fails like a plain acquire. The epoch counter never expires and only
  grows (INCR), so every holder gets an epoch above every earlier holder's.

  KEYS[1] the job lease: hash { token, epoch, pid, host, since }, with a TTL
  KEYS[2] the job's epoch counter: string, the largest epoch handed out (no TTL)

  ARGV[1] the caller's token (random, unique per acquisition)
  ARGV[2] the caller's pid
  ARGV[3] the caller's host name
  ARGV[4] since: epoch milliseconds of the acquisition (for people reading the lease)
  ARGV[5] ttl in milliseconds
  ARGV[6] the token of the holder to take over from; '' to acquire only a free lease

  Returns { 'acquired', epoch }
       or { 'held', pid, host, since, token } of the current holder (nothing changed)
]]
local lease, counter = KEYS[1], KEYS[2]
local current = redis.call('HMGET', lease, 'token', 'pid', 'host', 'since')
if current[1] and current[1] ~= ARGV[6] then
  return { 'held', current[2] or '-1', current[3] or '?', current[4] or '0', current[1] }
end
local epoch = redis.call('INCR', counter)
redis.call('DEL', lease)
redis.call('HSET', lease, 'token', ARGV[1], 'epoch', epoch, 'pid', ARGV[2], 'host', ARGV[3], 'since', ARGV[4])
redis.call('PEXPIRE', lease, ARGV[5])
return { 'acquired', epoch }

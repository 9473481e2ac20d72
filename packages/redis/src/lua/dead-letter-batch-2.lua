--[[
  dead-letter-batch: appends one batch of dead letters to a dead-letter list, once per batch id.

  Guarantee: atomic and idempotent per batch. The letters and the batch id's marker are written
  together; a batch id already marked writes nothing. Weir writes an operator's letters as one
  batch per checkpoint when that checkpoint completes, and repeats the batches of the restored
  checkpoint after a restore: each letter is in the list exactly once. Markers are kept for the
  last ARGV[2] batches (older ones are removed), far more than a restore can repeat.

  KEYS[1] the dead-letter list
  KEYS[2] its batch markers: a sorted set of batch ids, scored by the order they were written

  ARGV[1] batch id
  ARGV[2] most markers kept
  ARGV[3], ARGV[4], ... the encoded letters, oldest first

  Returns the number of letters written (0 when the batch was written before).
]]
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  return 0
end
local chunk = 1000
for i = 3, #ARGV, chunk do
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + chunk - 1, #ARGV)))
end
local newest = redis.call('ZREVRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local score = 1
if #newest == 2 then
  score = tonumber(newest[2]) + 1
end
redis.call('ZADD', KEYS[2], score, ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[2]) + 1))
return #ARGV - 2

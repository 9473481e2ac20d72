--[[
  abort: deletes the stage of an exactly-once sink transaction that will never be committed
  (the open transaction of a restored checkpoint, or a lingering one no checkpoint covers).

  Guarantee: atomic. A writer whose epoch is below the sink's fence deletes nothing: a zombie
  must not remove what the current attempt staged or is about to commit.

  KEYS[1] fence of the sink: string, the largest epoch a writer of the sink opened with
  KEYS[2] the stage to delete

  ARGV[1] the aborting writer's fencing epoch

  Returns the number of keys deleted (0 or 1).
  Errors  WEIRFENCED the fence holds a larger epoch: nothing was deleted
]]
local fence, stage = KEYS[1], KEYS[2]
local epoch = tonumber(ARGV[1])
local stored = tonumber(redis.call('GET', fence) or '-1')
if stored > epoch then
  return redis.error_reply('WEIRFENCED sink fence ' .. fence .. ' holds epoch ' .. stored ..
    ', above this writer\'s epoch ' .. epoch .. ': a later attempt or run of the job owns the sink, ' ..
    'so this writer may not delete ' .. stage)
end
return redis.call('UNLINK', stage)

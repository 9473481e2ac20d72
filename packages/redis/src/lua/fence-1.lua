--[[
  fence: raises an exactly-once sink's fence to a writer's epoch as the writer opens, or refuses
  the writer when a later attempt or run of the job has opened the sink already.

  Guarantee: atomic. The fence only grows. Once a writer with epoch e has passed this script,
  every commit-4.lua and abort-2.lua of a writer with an epoch below e is refused, so a zombie
  (an attempt that did not stop in time, a run that lost its job lease) neither commits nor
  deletes stages. Writers of one attempt (every subtask) share an epoch and pass together.

  KEYS[1] fence of the sink: string, the largest epoch a writer of the sink opened with

  ARGV[1] the opening writer's fencing epoch (an integer ≥ 0)

  Returns the epoch the fence held before ('-1' when it did not exist).
  Errors  WEIRFENCED the fence holds a larger epoch: the fence is unchanged
]]
local fence = KEYS[1]
local epoch = tonumber(ARGV[1])
local stored = tonumber(redis.call('GET', fence) or '-1')
if stored > epoch then
  return redis.error_reply('WEIRFENCED sink fence ' .. fence .. ' holds epoch ' .. stored ..
    ', above this writer\'s epoch ' .. epoch .. ': a later attempt or run of the job owns the sink ' ..
    '(if the job\'s checkpoint storage was reset or replaced, delete ' .. fence .. ')')
end
if stored < epoch then
  redis.call('SET', fence, epoch)
end
return tostring(stored)

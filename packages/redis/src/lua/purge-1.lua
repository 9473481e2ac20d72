--[[
  purge: deletes dead letters from a dead-letter list.

  Guarantee: atomic per call. An element is found by its exact bytes (at the index the caller read
  it at, or, when the list changed since, wherever LPOS finds it), so a purge deletes the letters
  it selected and never another one: each call deletes at most as many copies of an element as it
  names. Deleted letters are replaced by the marker (LSET keeps the
  indices of the letters after them), and all markers are removed before the script returns.
  The list's bookkeeping keys (`:positions`, `:batches`) are not touched: they keep letters from
  being written twice by a restoring job, and must outlive the letters.

  KEYS[1] the dead-letter list

  ARGV[1] the marker: a value no element of the list equals (unique per call)
  ARGV[2], ARGV[3], ... pairs: index of the element in the list (0 = head) where the caller
          expects it (a hint: a wrong one costs an LPOS scan), the element's exact bytes

  Returns { deleted, gone }: a gone element was no longer in the list (replayed or purged by
  another command meanwhile).
]]
local deleted, gone = 0, 0
for i = 2, #ARGV - 1, 2 do
  local index = tonumber(ARGV[i])
  if redis.call('LINDEX', KEYS[1], index) ~= ARGV[i + 1] then
    index = redis.call('LPOS', KEYS[1], ARGV[i + 1])
  end
  if index then
    redis.call('LSET', KEYS[1], index, ARGV[1])
    deleted = deleted + 1
  else
    gone = gone + 1
  end
end
if deleted > 0 then
  redis.call('LREM', KEYS[1], deleted, ARGV[1])
end
return { deleted, gone }

--[[
  append: writes one batch of an at-least-once sink to its target.

  Guarantee: atomic per batch (all of it or none of it is written). At-least-once overall: after
  a restore the sink writes records since the checkpoint again. One call = one batch of the
  sink's `batchSize` records: one round trip and one decode instead of a command per record.

  KEYS[1] target: the stream, list or hash the sink writes

  ARGV[1] target kind: 'stream' | 'list' | 'hset' | 'hincrby'
  ARGV[2] stream MAXLEN (approximate, `~`); '0' for no trimming
  ARGV[3] the batch: msgpack array of entries (shapes in includes/write-entries.lua)

  Returns the number of records written.
]]
-- @include write-entries.lua

return writeEntries(KEYS[1], ARGV[1], tonumber(ARGV[2]), cmsgpack.unpack(ARGV[3]))

// The Lua scripts of the group store, each run atomically by Redis (keys: store-keys.ts).

/**
 * What a cache needs to catch up: the epoch (set when missing), the version, the revised counter,
 * the number of groups, and, when the epoch is the cached one, the groups whose revision is above
 * the cached version.
 * KEYS: epoch, version, revised, groups, revisions. ARGV: a new epoch, the cached epoch, the cached version.
 */
export const READ_STATE = `
local epoch = redis.call('GET', KEYS[1])
if not epoch then
  epoch = ARGV[1]
  redis.call('SET', KEYS[1], epoch)
end
local changed = {}
if epoch == ARGV[2] then changed = redis.call('ZRANGEBYSCORE', KEYS[5], '(' .. ARGV[3], '+inf') end
return {epoch, redis.call('GET', KEYS[2]) or '0', redis.call('GET', KEYS[3]) or '0', redis.call('SCARD', KEYS[4]), changed}`;

/**
 * Writes one group, if the store is still at the epoch and version the write was judged against
 * (else returns nil and writes nothing): sets fields, sets others only where the hash lacks them,
 * lists the group, bumps the version and the revised counter, and records the new version as the
 * group's revision. Returns that version and the group's hash as it now is.
 * KEYS: epoch, version, revised, revisions, groups, group.
 * ARGV: the epoch and version ('' and '' to write whatever they are), the number of fields to set,
 * those fields and values, then the fields and values to set only where missing.
 */
export const WRITE_GROUP = `
if ARGV[1] ~= '' and (redis.call('GET', KEYS[1]) ~= ARGV[1] or (redis.call('GET', KEYS[2]) or '0') ~= ARGV[2]) then
  return nil
end
local last = 3 + 2 * tonumber(ARGV[3])
if last > 3 then redis.call('HSET', KEYS[6], unpack(ARGV, 4, last)) end
for i = last + 1, #ARGV, 2 do redis.call('HSETNX', KEYS[6], ARGV[i], ARGV[i + 1]) end
redis.call('SADD', KEYS[5], KEYS[6])
local version = redis.call('INCR', KEYS[2])
redis.call('INCR', KEYS[3])
redis.call('ZADD', KEYS[4], version, KEYS[6])
return {version, redis.call('HGETALL', KEYS[6])}`;

/** Ends a deletion: bumps the version and the revised counter; returns the new version. KEYS: version, revised. */
export const BUMP = `
local version = redis.call('INCR', KEYS[1])
redis.call('INCR', KEYS[2])
return version`;

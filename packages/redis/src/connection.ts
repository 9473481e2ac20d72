import { readFileSync } from 'node:fs';
import { Redis, type ChainableCommander, type RedisKey, type RedisOptions, type RedisValue } from 'ioredis';

/**
 * How a Weir Redis connector reaches Redis: a URL (`redis://host:6379/0`), ioredis options, or a
 * client the user already has.
 *
 * Ownership is decided here, once: a client passed in is the user's and Weir never closes it; a
 * client Weir builds from a URL or options is Weir's and is closed when the connector closes.
 * Blocking reads (`XREAD BLOCK`, `BLMOVE`) always run on a {@link ResolvedConnection.duplicate}.
 */
export type RedisConnection = string | RedisOptions | Redis;

/**
 * Defaults for clients Weir builds. A command sent while Redis is unreachable is queued for at
 * most two reconnection attempts and then rejected, so a lost Redis fails the job (which restarts
 * per its restart strategy) instead of hanging it. A client passed in keeps its own settings:
 * give it a finite `maxRetriesPerRequest` for the same behaviour.
 */
export const defaultConnectionOptions: RedisOptions = {
  maxRetriesPerRequest: 2,
  enableOfflineQueue: true,
  // A command in flight when the connection drops may have been applied: re-sending it could
  // apply a staging write twice. It fails instead, and the job recovers from its checkpoint.
  autoResendUnfulfilledCommands: false,
};

/** A connection resolved from a {@link RedisConnection}, with its ownership fixed. */
export interface ResolvedConnection {
  /** The client to send commands on. */
  readonly client: Redis;
  /** Whether Weir built `client` (and so closes it in {@link ResolvedConnection.close}). */
  readonly owned: boolean;
  /** A new connection with the same options, for blocking reads; the caller always closes it. */
  duplicate(): Redis;
  /** Quits `client` if Weir owns it; does nothing to a client the user passed in. */
  close(): Promise<void>;
}

/** Options of {@link resolveConnection}. */
export interface ResolveOptions {
  /**
   * Listener for connection errors of the clients Weir builds (and of duplicates). Commands fail
   * on their own; this only keeps ioredis from printing "Unhandled error event". Default: ignore.
   */
  readonly onError?: (err: Error) => void;
}

/**
 * Resolves a {@link RedisConnection}. `name` becomes the client's `connectionName`
 * (visible in `CLIENT LIST`) when Weir builds the client.
 */
export function resolveConnection(conn: RedisConnection, name: string, options: ResolveOptions = {}): ResolvedConnection {
  const onError = options.onError ?? (() => {});
  let client: Redis;
  let owned: boolean;
  if (conn instanceof Redis) {
    client = conn;
    owned = false;
  } else if (typeof conn === 'string') {
    client = new Redis(conn, { ...defaultConnectionOptions, connectionName: name });
    owned = true;
  } else {
    client = new Redis({ ...defaultConnectionOptions, connectionName: name, ...conn });
    owned = true;
  }
  if (owned) client.on('error', onError);
  return {
    client,
    owned,
    duplicate: () => client.duplicate().on('error', onError),
    close: async () => {
      if (owned) await quit(client);
    },
  };
}

/** Quits a client politely, falling back to a hard disconnect when Redis is gone. */
export async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await Promise.race([
      client.quit(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('quit timed out')), 1_000).unref()),
    ]);
  } catch {
    client.disconnect();
  }
}

/**
 * A Lua script of `src/lua/`, defined on one client. Calling it runs `EVALSHA` (falling back to
 * `EVAL` once per connection); {@link DefinedScript.queue} adds the same call to a pipeline or
 * `MULTI` of that client.
 */
export interface DefinedScript {
  (keys: readonly RedisKey[], argv: readonly RedisValue[]): Promise<unknown>;
  readonly name: string;
  readonly numberOfKeys: number;
  queue(pipeline: ChainableCommander, keys: readonly RedisKey[], argv: readonly RedisValue[]): void;
}

const luaSources = new Map<string, string>();

/**
 * Reads `src/lua/<luaFile>` (once per process; `-- @include <file>` lines are replaced by
 * `src/lua/includes/<file>`), defines it on `client` as command `name` (once per client) and
 * returns a typed caller that checks the number of keys.
 */
export function defineScript(client: Redis, name: string, luaFile: string, numberOfKeys: number): DefinedScript {
  const commands = client as unknown as Record<string, unknown> & { scriptsSet: Record<string, unknown> };
  if (commands.scriptsSet[name] === undefined) {
    client.defineCommand(name, { lua: luaSource(luaFile), numberOfKeys });
  }
  const check = (keys: readonly RedisKey[]): void => {
    if (keys.length !== numberOfKeys) {
      throw new Error(`${luaFile} takes ${numberOfKeys} keys, got ${keys.length}`);
    }
  };
  const call = (keys: readonly RedisKey[], argv: readonly RedisValue[]): Promise<unknown> => {
    check(keys);
    const fn = commands[name] as (...args: RedisValue[]) => Promise<unknown>;
    return fn.call(client, ...(keys as RedisValue[]), ...argv);
  };
  Object.defineProperty(call, 'name', { value: name });
  return Object.assign(call, {
    numberOfKeys,
    queue(pipeline: ChainableCommander, keys: readonly RedisKey[], argv: readonly RedisValue[]): void {
      check(keys);
      const fn = (pipeline as unknown as Record<string, (...args: RedisValue[]) => unknown>)[name];
      if (fn === undefined) throw new Error(`script ${name} is not defined on the pipeline's client`);
      fn.call(pipeline, ...(keys as RedisValue[]), ...argv);
    },
  }) as DefinedScript;
}

function luaSource(luaFile: string): string {
  let lua = luaSources.get(luaFile);
  if (lua === undefined) {
    lua = readLua(luaFile).replace(/^--\s*@include\s+(\S+)\s*$/gm, (_, inc: string) => readLua(`includes/${inc}`));
    luaSources.set(luaFile, lua);
  }
  return lua;
}

function readLua(file: string): string {
  return readFileSync(new URL(`./lua/${file}`, import.meta.url), 'utf8');
}

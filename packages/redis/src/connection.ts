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
  if (owned) {
    client.on('error', onError);
    explainFailures(client);
  }
  return {
    client,
    owned,
    duplicate: () => explainFailures(client.duplicate().on('error', onError)),
    close: async () => {
      if (owned) await quit(client);
    },
  };
}

/** How long {@link quit} waits for Redis to answer QUIT before it drops the connection. */
const QUIT_TIMEOUT_MS = 1_000;

/**
 * Quits a client politely when it is connected, and drops the connection when Redis does not
 * answer within a second (down, paused, stuck in a script) or when it is not connected at all:
 * closing never waits on I/O that may not return, and the client always ends up closed
 * (`status === 'end'`, no socket, no reconnection timer, every pending command rejected).
 */
export async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.quit(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('quit timed out')), QUIT_TIMEOUT_MS);
        }),
      ]);
    } catch {
      // Redis did not answer (or the connection broke): drop it below.
    } finally {
      clearTimeout(timer);
    }
  }
  await drop(client);
}

interface ClientInternals {
  stream?: { destroyed?: boolean; destroy(): void };
  setStatus?(status: string): void;
  flushQueue?(error: Error): void;
}

/**
 * Drops a connection for good. ioredis's `disconnect()` only ends the socket (a peer that does
 * not read keeps it open up to `disconnectTimeout`), and while it is reconnecting, leaves the
 * client `reconnecting` forever with its offline queue unsettled: the socket is destroyed, or the
 * client is ended by hand (ioredis internals, checked before use).
 */
export async function drop(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  client.disconnect();
  const internals = client as unknown as ClientInternals;
  if (internals.stream !== undefined && internals.stream.destroyed !== true) {
    internals.stream.destroy();
  } else if ((client.status as string) !== 'end' && typeof internals.setStatus === 'function' && typeof internals.flushQueue === 'function') {
    internals.setStatus('end');
    internals.flushQueue(new Error('Connection is closed.'));
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([ended, new Promise((resolve) => (timer = setTimeout(resolve, 200)))]);
  clearTimeout(timer);
}

/**
 * A command failed because Redis could not be reached: names the address, the last connection
 * error (`code`, e.g. `ECONNREFUSED`) and what ioredis gave up on (the `cause`).
 */
export class RedisUnreachableError extends Error {
  override readonly name = 'RedisUnreachableError';
  constructor(
    /** `host:port`, a socket path, or `sentinel master <name>`. */
    readonly address: string,
    /** The system error code of the last connection error, when there was one. */
    readonly code: string | undefined,
    message: string,
    cause: unknown,
  ) {
    super(message, { cause });
  }
}

/** The address a client connects to, as a person would name it. */
export function addressOf(client: Redis): string {
  const o = client.options;
  if (o.sentinels !== undefined && o.sentinels !== null && o.sentinels.length > 0) return `sentinel master ${o.name ?? '?'}`;
  if (o.path !== undefined && o.path !== null && o.path !== '') return o.path;
  return `${o.host ?? 'localhost'}:${o.port ?? 6379}`;
}

interface LostCommands {
  readonly length: number;
  shift(): { command: { reject(err: Error): void } } | undefined;
}

interface FlushingClient {
  flushQueue(error: Error, options?: unknown): void;
}

/**
 * Makes the commands of a client Weir built fail with a {@link RedisUnreachableError} instead of
 * ioredis's bare `Reached the max retries per request limit` or `Connection is closed.`, which
 * name neither the address nor the reason. ioredis rejects every queued command (pipelines and
 * MULTI included) through its internal `flushQueue(error)`: the error is explained there, with the
 * client's last connection error, tracked from its `error` events until it is ready again.
 */
function explainFailures(client: Redis): Redis {
  let last: Error | undefined;
  client.on('error', (err: Error) => {
    last = err;
  });
  client.on('ready', () => {
    last = undefined;
  });
  // ioredis drops the commands that were in flight when a connection broke (with
  // autoResendUnfulfilledCommands off) without settling them: they would hang forever once it
  // reconnects. Reject them as it starts to reconnect; one may or may not have been applied.
  client.on('reconnecting', () => {
    const lost = (client as unknown as { prevCommandQueue?: LostCommands | null }).prevCommandQueue;
    if (client.options.autoResendUnfulfilledCommands !== false || lost === undefined || lost === null || lost.length === 0) return;
    const address = addressOf(client);
    const code = (last as NodeJS.ErrnoException | undefined)?.code;
    const err = new RedisUnreachableError(
      address,
      code,
      `the connection to Redis at ${address} was lost${last === undefined ? '' : ` (${last.message})`} with the command in flight; ` +
        'it may or may not have been applied',
      last,
    );
    for (let item = lost.shift(); item !== undefined; item = lost.shift()) item.command.reject(err);
  });
  const flushing = client as unknown as FlushingClient;
  const flushQueue = flushing.flushQueue;
  if (typeof flushQueue !== 'function') return client; // another ioredis: keep its errors
  flushing.flushQueue = function (this: FlushingClient, error: Error, options?: unknown): void {
    flushQueue.call(this, explain(client, error, last), options);
  };
  return client;
}

function explain(client: Redis, error: Error, last: Error | undefined): Error {
  if (error instanceof RedisUnreachableError) return error;
  const address = addressOf(client);
  const code = (last as NodeJS.ErrnoException | undefined)?.code;
  const lastError = last === undefined ? '' : `${last.message}; `;
  let message: string;
  if (error.name === 'MaxRetriesPerRequestError') {
    const retries = String(client.options.maxRetriesPerRequest);
    const state = code === undefined ? 'is unreachable' : `is unreachable (${code})`;
    message = `Redis at ${address} ${state}: ${lastError}the command was given up after ${retries} reconnection attempts (ioredis option maxRetriesPerRequest)`;
  } else if (error.message === 'Connection is closed.') {
    message = last === undefined ? `the connection to Redis at ${address} is closed` : `Redis at ${address} is unreachable${code === undefined ? '' : ` (${code})`}: ${lastError}the connection is closed`;
  } else {
    message = `Redis at ${address}: ${lastError}${error.message}`;
  }
  return new RedisUnreachableError(address, code, message, error);
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

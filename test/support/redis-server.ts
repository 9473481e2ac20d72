import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

/**
 * A real `redis-server` of the test's own: a free port, a temp directory, nothing shared with the
 * machine's Redis. Tests can kill it (SIGKILL), restart it on the same port and directory (with
 * AOF on, its data survives), and must `stop()` it at the end.
 */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** A new client (the caller quits it). */
  client(): Redis;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts again on the same port and directory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestRedisOptions {
  /** `appendonly yes` with `appendfsync always`: what was acknowledged survives a kill. */
  readonly aof?: boolean;
}

export async function startRedis(options: TestRedisOptions = {}): Promise<TestRedis> {
  requireRedisServer();
  const dir = await mkdtemp(join(tmpdir(), 'weir-redis-'));
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--save', '',
    '--appendonly', options.aof === true ? 'yes' : 'no',
    '--appendfsync', 'always',
    '--protected-mode', 'no',
    '--logfile', join(dir, 'redis.log'),
  ];
  const launch = async (): Promise<void> => {
    proc = spawn('redis-server', args, { stdio: 'ignore' });
    await waitForPing(port);
  };
  await launch();
  const exited = (): Promise<void> =>
    new Promise((resolve) => {
      if (proc === undefined || proc.exitCode !== null || proc.signalCode !== null) resolve();
      else proc.once('exit', () => resolve());
    });
  return {
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    client: () => {
      const c = new Redis({ port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 1 });
      // Tests kill the server on purpose: a client's reconnect errors are expected, not news.
      c.on('error', () => undefined);
      return c;
    },
    async kill() {
      proc?.kill('SIGKILL');
      await exited();
    },
    async restart() {
      await launch();
    },
    async stop() {
      proc?.kill('SIGKILL');
      await exited();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function requireRedisServer(): void {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    throw new Error(
      'redis-server is not on the PATH: the Redis tests start their own server. ' +
        'Install it (Debian/Ubuntu: `apt-get install redis-server`; macOS: `brew install redis`) and run the tests again.',
    );
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPing(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // Refused until the server listens: connect() rejects, and the error event is not news either.
    c.on('error', () => undefined);
    try {
      await c.connect();
      if ((await c.ping()) === 'PONG') return;
    } catch {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      c.disconnect();
    }
  }
}

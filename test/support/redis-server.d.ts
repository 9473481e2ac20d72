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
export declare function startRedis(options?: TestRedisOptions): Promise<TestRedis>;

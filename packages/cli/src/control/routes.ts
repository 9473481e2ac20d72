import { isAbsolute } from 'node:path';
import type { JobClient } from '@weir/core';
import { firstLine } from '../errors.ts';
import { HttpError } from './http-json.ts';

/**
 * The JobManager's small HTTP API, one handler per route (JSON in, JSON out):
 *
 * | route | body | answer |
 * |---|---|---|
 * | `GET /job` | | `{ jobName, state, pid, startedAt, uptimeMs, restarts, vertices: [{ id, name, parallelism, inputs, recordsIn, recordsOut }] }` |
 * | `GET /checkpoints` | | `{ counts, latestCompleted, history }` (newest first) |
 * | `POST /savepoints` | `{ dir }` (absolute) | `{ path }` once the savepoint is complete |
 * | `POST /cancel` | `{ savepoint?: dir }` | `{ cancelled: true, savepoint?: path }` |
 */
export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  handle(client: JobClient, body: Record<string, unknown>): Promise<unknown>;
}

function directory(body: Record<string, unknown>, field: string): string {
  const dir = body[field];
  if (typeof dir !== 'string' || dir === '') throw new HttpError(400, `'${field}' must be a directory path`);
  // The server's working directory is not the caller's: relative paths would land somewhere surprising.
  if (!isAbsolute(dir)) throw new HttpError(400, `'${field}' must be an absolute path, got ${JSON.stringify(dir)}`);
  return dir;
}

async function savepoint(client: JobClient, dir: string): Promise<string> {
  const state = client.status().state;
  if (state !== 'running') throw new HttpError(409, `the job is ${state}; savepoints are taken while it runs`);
  try {
    return await client.triggerSavepoint(dir);
  } catch (e) {
    const message = firstLine(e);
    throw new HttpError(/needs? checkpointing/.test(message) ? 409 : 500, `savepoint failed: ${message}`);
  }
}

export const ROUTES: readonly Route[] = [
  {
    method: 'GET',
    path: '/job',
    handle: async (client) => {
      const status = client.status();
      return { ...status, pid: process.pid, uptimeMs: Date.now() - status.startedAt };
    },
  },
  {
    method: 'GET',
    path: '/checkpoints',
    handle: async (client) => client.checkpointStats(),
  },
  {
    method: 'POST',
    path: '/savepoints',
    handle: async (client, body) => ({ path: await savepoint(client, directory(body, 'dir')) }),
  },
  {
    method: 'POST',
    path: '/cancel',
    handle: async (client, body) => {
      const path = body.savepoint === undefined ? undefined : await savepoint(client, directory(body, 'savepoint'));
      client.cancel();
      return path === undefined ? { cancelled: true } : { cancelled: true, savepoint: path };
    },
  },
];

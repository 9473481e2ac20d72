import { isAbsolute } from 'node:path';
import type { CheckpointHistoryEntry, JobClient } from '@weir/core';
import { firstLine } from '../errors.ts';
import { HttpError } from './http-json.ts';

/**
 * The JobManager's small HTTP API, one handler per route (JSON in, JSON out):
 *
 * | route | body | answer |
 * |---|---|---|
 * | `GET /job` | | `{ jobName, state, pid, startedAt, uptimeMs, restarts, lastFailure, exceptions, vertices, threads }` |
 * | `GET /job/plan` | | `[{ id, name, parallelism, operators: [{ uid, name }], inputs: [{ from, partitioning }] }]` |
 * | `GET /checkpoints` | | `{ counts, latestCompleted, history }` (this run's last 10, newest first) |
 * | `GET /checkpoints/history?limit=N` | | `{ jobName, run, runs, failures, checkpoints }` across runs, newest first, without per-subtask details |
 * | `GET /checkpoints/history/:id` | | `{ checkpoint }` with its subtasks (`?run=R` picks the run; default the newest) |
 * | `POST /savepoints` | `{ dir }` (absolute) | `{ path }` once the savepoint is complete |
 * | `POST /cancel` | `{ savepoint?: dir }` | `{ cancelled: true, savepoint?: path }` |
 *
 * `GET /metrics` (Prometheus text) and the dashboard's files (`GET /`) are served beside them by
 * `server.ts`.
 */
export interface Route {
  readonly method: 'GET' | 'POST';
  /** Exact path; a last segment `:id` matches a non-negative integer. */
  readonly path: string;
  handle(client: JobClient, request: RouteRequest): Promise<unknown>;
}

export interface RouteRequest {
  readonly body: Record<string, unknown>;
  /** The `:id` segment, when the route has one. */
  readonly id: number | undefined;
  readonly query: URLSearchParams;
}

/** Whether `route` serves `path`; with the `:id` it matched. */
export function matchRoute(route: Route, path: string): { id: number | undefined } | undefined {
  if (!route.path.endsWith('/:id')) return route.path === path ? { id: undefined } : undefined;
  const prefix = route.path.slice(0, -':id'.length);
  if (!path.startsWith(prefix)) return undefined;
  const id = path.slice(prefix.length);
  return /^\d{1,15}$/.test(id) ? { id: Number(id) } : undefined;
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

function positiveInteger(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) return undefined;
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1) throw new HttpError(400, `'${name}' must be a positive integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** A checkpoint with its subtasks: in progress (this run's tracker), or from the history. */
function checkpointById(client: JobClient, id: number, run: number | undefined): unknown {
  const history = client.checkpointHistory();
  const ended = history.checkpoints.find((c) => c.checkpointId === id && (run === undefined || c.run === run));
  if (ended !== undefined) return { checkpoint: ended };
  if (run === undefined || run === history.run) {
    const live = client.checkpointStats().history.find((c) => c.checkpointId === id);
    if (live !== undefined) return { checkpoint: { ...live, run: history.run } };
  }
  throw new HttpError(404, `no checkpoint ${id}${run === undefined ? '' : ` in run ${run}`} in the history`);
}

function withoutSubtasks({ subtasks: _details, ...entry }: CheckpointHistoryEntry): Omit<CheckpointHistoryEntry, 'subtasks'> {
  return entry;
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
    path: '/job/plan',
    handle: async (client) => client.plan(),
  },
  {
    method: 'GET',
    path: '/checkpoints',
    handle: async (client) => client.checkpointStats(),
  },
  {
    method: 'GET',
    path: '/checkpoints/history',
    handle: async (client, { query }) => {
      const limit = positiveInteger(query, 'limit');
      const history = client.checkpointHistory();
      return { ...history, checkpoints: history.checkpoints.slice(0, limit).map(withoutSubtasks) };
    },
  },
  {
    method: 'GET',
    path: '/checkpoints/history/:id',
    handle: async (client, { id, query }) => checkpointById(client, id!, positiveInteger(query, 'run')),
  },
  {
    method: 'POST',
    path: '/savepoints',
    handle: async (client, { body }) => ({ path: await savepoint(client, directory(body, 'dir')) }),
  },
  {
    method: 'POST',
    path: '/cancel',
    handle: async (client, { body }) => {
      const path = body.savepoint === undefined ? undefined : await savepoint(client, directory(body, 'savepoint'));
      client.cancel();
      return path === undefined ? { cancelled: true } : { cancelled: true, savepoint: path };
    },
  },
];

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JobClient } from '@weir/core';
import { hasBearerToken, refusesBrowserRequest } from './auth.ts';
import { HttpError, readJsonBody, sendJson } from './http-json.ts';
import { ROUTES } from './routes.ts';

export interface ControlServerOptions {
  readonly host: string;
  /** 0 for an ephemeral port. */
  readonly port: number;
  /** When set, every request must carry `Authorization: Bearer <token>`. */
  readonly token?: string;
}

/** The control endpoint of one running job (see `routes.ts` for the API). */
export class ControlServer {
  readonly #server: Server;

  private constructor(
    server: Server,
    readonly host: string,
    readonly port: number,
  ) {
    this.#server = server;
  }

  /**
   * Listens on `host:port`; rejects when the address cannot be bound. Requests get 503 until
   * `client()` returns the job.
   */
  static async start(client: () => JobClient | undefined, options: ControlServerOptions): Promise<ControlServer> {
    const server = createServer((req, res) => {
      handle(client(), options.token, req, res).catch((e: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: e instanceof Error ? e.message : String(e) });
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    return new ControlServer(server, options.host, port);
  }

  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}`;
  }

  /** Stops listening and closes every connection, leaving nothing to keep the process alive. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeIdleConnections();
    // Give a response in flight (a cancel's answer) a moment to leave, then cut what is left.
    const cut = setTimeout(() => this.#server.closeAllConnections(), 200);
    await closed;
    clearTimeout(cut);
  }
}

async function handle(client: JobClient | undefined, token: string | undefined, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  if (token !== undefined) {
    if (!hasBearerToken(req.headers.authorization, token)) {
      return sendJson(res, 401, { error: 'missing or wrong bearer token' }, { 'www-authenticate': 'Bearer' });
    }
  } else {
    const refused = refusesBrowserRequest(method, req.headers.host, req.headers['content-type']);
    if (refused !== undefined) return sendJson(res, 403, { error: refused });
  }
  const path = new URL(req.url ?? '/', 'http://control').pathname.replace(/\/+$/, '') || '/';
  const onPath = ROUTES.filter((r) => r.path === path);
  if (onPath.length === 0) return sendJson(res, 404, { error: `no route ${path}; try GET /job, GET /checkpoints, POST /savepoints, POST /cancel` });
  const route = onPath.find((r) => r.method === method);
  if (route === undefined) {
    return sendJson(res, 405, { error: `${path} takes ${onPath.map((r) => r.method).join(', ')}` }, { allow: onPath.map((r) => r.method).join(', ') });
  }
  if (client === undefined) return sendJson(res, 503, { error: 'the job is starting' }, { 'retry-after': '1' });
  try {
    const body = method === 'POST' ? await readJsonBody(req) : {};
    sendJson(res, 200, await route.handle(client, body));
  } catch (e) {
    if (e instanceof HttpError) return sendJson(res, e.status, { error: e.message });
    throw e;
  }
}
